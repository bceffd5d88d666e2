"""Rule family (to be written)."""


def check(bulletin, context):
    return ()
