"""Who may do what: the `access:` section of the usd1inv configuration.

```yaml
access:
  roles:
    operator: [ana, ops-bot]     # runs, backfills, works breaks
    preparer: [ana, ben]         # closes periods
    approver: [carla]            # approves closes, writes breaks off
    admin: [dana]                # reopens closed periods, applies retention
```

A user is a login name: the OS user running the command, or the name given with `--as`
(checked against this mapping). With no `roles` the tool is used by one team without
separation of duties: every command is allowed and recorded with role `unrestricted`. The one
rule that always holds is that the user who prepared a close cannot approve it. The roles each
command needs are in `usd1inv/access.py` (ACTION_ROLES).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

Role = Literal["operator", "preparer", "approver", "admin"]
ROLES: tuple[str, ...] = ("operator", "preparer", "approver", "admin")
USER_RE = re.compile(r"^[A-Za-z0-9_.@-]+$")


class AccessConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: dict[Role, list[str]] = {}

    @field_validator("roles")
    @classmethod
    def _users(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for role, users in value.items():
            for i, user in enumerate(users):
                if not isinstance(user, str) or not USER_RE.match(user):
                    raise ValueError(
                        f"{role}[{i}]: {user!r} is not a user name (letters, digits, . _ @ -)"
                    )
            if len(set(users)) != len(users):
                raise ValueError(f"{role}: a user is listed twice")
        return value

    @property
    def enforced(self) -> bool:
        return any(self.roles.values())

    def roles_of(self, user: str) -> list[str]:
        return [role for role in ROLES if user in self.roles.get(role, [])]
