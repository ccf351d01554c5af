"""The well-being support a caller is pointed to, shown on every call and named in the record."""

from __future__ import annotations

EDUCATION_SUPPORT = "Education Support helpline 08000 562 561"

SIGNPOSTING = (
    f"{EDUCATION_SUPPORT} — free, confidential, 24 hours a day, 7 days a week.\n"
    "Leaders may share provisional inspection outcomes with anyone they choose, "
    "including health professionals, family and colleagues."
)
