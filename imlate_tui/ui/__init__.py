"""Textual only: the kiosk and admin apps, their screens and widgets. The core never imports this package.

Import the app you need from its module (`ui.kiosk_app`, `ui.admin_app`), so an admin session never
loads the kiosk's scanner code.
"""
