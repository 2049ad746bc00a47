"""Invitation codes: derived from a server key, stored only as a keyed hash.

A code is 10 characters from an alphabet without 0/O, 1/I/L (31 symbols, about
49.5 bits), shown in two groups of five. It is computed again from the key,
the round and the invitation's place in the draw whenever letters are
printed, so the database never holds a usable code. Changing the key
(INVITATION_KEY, or SECRET_KEY when that is empty) during a round makes every
printed code invalid.
"""

from __future__ import annotations

import hashlib
import hmac

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
GROUP = 5


def invitation_key(config: dict) -> bytes:
    """Return the key codes and their hashes are derived with."""
    return (config.get("INVITATION_KEY") or config["SECRET_KEY"]).encode("utf-8")


def derive_code(
    key: bytes, round_id: int, agency_id: int, kind: str, rank: int, salt: int
) -> str:
    """Return the code of one invitation, without separators."""
    message = f"invitation:{round_id}:{agency_id}:{kind}:{rank}:{salt}".encode()
    number = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")
    symbols = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[digit])
    return "".join(symbols)


def code_hash(key: bytes, code: str) -> str:
    """Return the keyed hash under which a normalised code is stored."""
    return hmac.new(key, b"lookup:" + code.encode(), hashlib.sha256).hexdigest()


def normalise(raw: str) -> str | None:
    """Return the code typed in ``raw`` without spaces or dashes, or None if invalid.

    Lower case is accepted. A symbol outside the alphabet (such as O, I, L, 0
    or 1) makes the code invalid rather than being guessed at.
    """
    cleaned = "".join(raw.split()).replace("-", "").upper()
    if len(cleaned) != LENGTH or any(symbol not in ALPHABET for symbol in cleaned):
        return None
    return cleaned


def display(code: str) -> str:
    """Return ``code`` in groups of five for printing, e.g. "ABCDE-FGHJK"."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
