"""Connections to the school's management information system (the ERP): today only iSAMS."""
