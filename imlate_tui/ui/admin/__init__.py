"""The SSH admin app's screens (`imlate admin`): roster, fire list, person, writeback queue, jobs, audit."""
