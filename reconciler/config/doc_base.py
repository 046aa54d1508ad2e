"""The pieces every part of the file format shares: the strict base model and the name and
email types (document.py and access_doc.py both build on them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, Field(pattern=EMAIL_PATTERN, description="A user's email address.")]
# Zoho trims names; trimming here too keeps a plan from "renaming" `EMEA ` to `EMEA` forever.
Trimmed = StringConstraints(strip_whitespace=True)
Name = Annotated[str, Trimmed, Field(min_length=1)]


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
