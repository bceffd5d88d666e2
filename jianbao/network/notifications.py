"""E-mails about an application: the committee when its turn comes, the applicant at every step.

Sent after commit, so a refused or rolled-back step sends nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from jianbao.network.models import BodyMember, MembershipApplication, NetworkBody


def _site(path: str) -> str:
    return settings.JIANBAO_SITE_URL.rstrip("/") + path


def application_moved(application_id: int, action: str) -> None:
    from jianbao.network.membership import Action, State

    application = MembershipApplication.objects.select_related("alliance").get(pk=application_id)
    link = _site(reverse("network:application", args=[application.pk]))
    state = application.get_state_display()
    subject = f"【协发网】{application.alliance.name} 网员注册申请：{state}"
    if application.state == State.COMMITTEE_REVIEW:
        members = BodyMember.objects.filter(
            body__kind=NetworkBody.Kind.REVIEW_COMMITTEE, user__isnull=False
        ).exclude(user__email="")
        emails = [m.user.email for m in members.select_related("user")]
        if emails:
            send_mail(
                subject=subject,
                message=f"请网员审核委员会委员审核并提交意见：\n{link}",
                from_email=None,
                recipient_list=emails,
            )
    if action != Action.SUBMIT and application.contact_email:
        send_mail(
            subject=subject,
            message=f"贵联盟的网员注册申请已“{Action(action).label}”，当前状态：{state}。\n{link}",
            from_email=None,
            recipient_list=[application.contact_email],
        )
