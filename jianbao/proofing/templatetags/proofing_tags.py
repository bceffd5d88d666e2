"""The issue page's proofing slot: the open findings counted, and the way to the proofing page."""

from __future__ import annotations

from django import template

from jianbao.proofing import services

register = template.Library()


@register.inclusion_tag("proofing/summary.html", takes_context=True)
def proofing_summary(context):
    issue = context["issue"]
    request = context.get("request")
    user = getattr(request, "user", None)
    if not services.can_read(user):
        return {"shown": False}
    proof = services.issue_proof(issue)
    return {
        "shown": True,
        "issue": issue,
        "proof": proof,
        "counts": proof.counts,
        "open_total": len(proof.open),
        "dismissed": len(proof.dismissed),
        "blocks": issue.series.proof_errors_block_submission and proof.open_errors > 0,
        "editing": issue.state == "editing",
    }
