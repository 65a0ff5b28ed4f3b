"""The daily reminder of overdue instalments: one e-mail per institution to its admins, listing every overdue
expected payment. Idempotent: an expected payment is reminded at most once a day (``PaymentDue.reminded_on``)."""

from __future__ import annotations

import datetime
from itertools import groupby

from django.core.mail import send_mail
from django.db import transaction

from institutions.choices import Role
from institutions.models import User

from .models import PaymentDue
from .selectors import overdue_dues_all


def remind_overdue(today: datetime.date) -> int:
    """E-mail each institution's admins their overdue instalments not yet reminded today; the number of e-mails."""
    sent = 0
    dues = list(overdue_dues_all(today=today).exclude(reminded_on=today))
    for institution_id, rows in groupby(dues, key=lambda d: d.deal.institution_id):
        rows = list(rows)
        recipients = list(
            User.objects.filter(institution_id=institution_id, role=Role.INSTITUTION_ADMIN, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        with transaction.atomic():
            PaymentDue.objects.filter(pk__in=[d.pk for d in rows]).update(reminded_on=today)
            if recipients:
                lines = [
                    f"{d.due_date:%Y-%m-%d}  {d.deal.patent.application_number}  {d.deal.counterparty}  "
                    f"{d.get_kind_display()} {d.description}  应付 {d.amount_wan if d.amount_wan is not None else '按实际计算'}"
                    f" 万元，已付 {d.paid_wan} 万元"
                    for d in rows
                ]
                body = "以下款项已逾期 / The following payments are overdue:\n\n" + "\n".join(lines)
                subject = f"逾期款项提醒 / Overdue payments: {len(rows)}"
                transaction.on_commit(
                    lambda s=subject, b=body, r=recipients: send_mail(s, b, None, r, fail_silently=False)
                )
                sent += 1
    return sent
