"""Rule families of the proofing pass: each module has ``check(bulletin, context)``."""
