"""The pieces every part of the file format shares: the strict base model and the name and
email types (document.py and access_doc.py both build on them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from reconciler.characters import plain_name

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Names and emails are shown to reviewers: no control, bidi or invisible characters, NFC.
Plain = AfterValidator(plain_name)
Email = Annotated[str, Field(pattern=EMAIL_PATTERN, description="A user's email address."), Plain]
# Zoho trims names; trimming here too keeps a plan from "renaming" `EMEA ` to `EMEA` forever.
Trimmed = StringConstraints(strip_whitespace=True)
Name = Annotated[str, Trimmed, Field(min_length=1), Plain]


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
