"""Receipt codes (mã hồ sơ): normalised, then stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

# Dossier codes of the one-stop systems use letters, digits and a few separators,
# e.g. "000.00.12.H08-211105-0001"; anything else is a typing mistake.
_CODE = re.compile(r"[A-Z0-9][A-Z0-9.\-/_]{3,59}")


def normalise_code(raw: str) -> str | None:
    """Return the code in its stored form, or None when it is not a valid code.

    Spaces are dropped and letters upper-cased, so that "h08 - 0001" and
    "H08-0001" count as the same dossier.
    """
    text = unicodedata.normalize("NFKC", raw)
    text = re.sub(r"\s+", "", text).upper()
    return text if _CODE.fullmatch(text) else None


def receipt_key(config: Mapping[str, Any]) -> bytes:
    """Return the HMAC key: RECEIPT_CODE_KEY, or one derived from SECRET_KEY."""
    configured = config.get("RECEIPT_CODE_KEY") or ""
    if configured:
        return str(configured).encode("utf-8")
    secret = str(config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, b"receipt-code-key", hashlib.sha256).digest()


def code_hash(key: bytes, code: str) -> str:
    """Return the HMAC-SHA256 of a normalised code, as 64 hex digits."""
    return hmac.new(key, code.encode("utf-8"), hashlib.sha256).hexdigest()
