"""Who is running this process, for the audit log and the `admin.operators` check.

From the process's real user id, looked up in the system's user database. Not `$LOGNAME`/`$USER`
(which `getpass.getuser()` reads first): any shell can set those, so `LOGNAME=head imlate admin` would
have made anyone an operator and put someone else's name in the audit log. Under `sudo` the real user
is root (sudo keeps its own log of who ran it).
"""

from __future__ import annotations

import os
import pwd


def real_user() -> str:
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:   # a uid with no passwd entry (a bare container): still a real, unforgeable name
        return f"uid-{uid}"
