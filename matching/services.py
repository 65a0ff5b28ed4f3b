"""Writes of matching: the full rematch (planned into chunks any number of workers share), the incremental pass
(patents and enterprises changed since a watermark), and the enterprise's answers to a push.

Idempotent throughout: a push is unique per (enterprise, patent) and inserted with ON CONFLICT DO NOTHING, so a chunk
run twice, a rerun, or an incremental pass overlapping a full run creates no duplicate, and a patent an enterprise
already answered (viewed, interested, declined) is never pushed to it again.

Scale (680k patents × 450k enterprises on N workers; figures and reasoning in bench/README.md, "Matching"): a full
run's match phase is chunks of ≤ ``MATCH_CHUNK`` patents of one primary key (an industry at the matching level),
any worker takes any chunk. A chunk reads its patents by (key, id range), the enterprises sharing a key with them
by flat index lookups (never a nested IN the planner can turn per-enterprise), scores them in slices of
``engine.ENTERPRISE_SLICE`` enterprises and writes its new pushes by one COPY. A worker holds the tokenizer's tables
and one chunk (its patents, its candidate enterprises, a slice's matrices): memory grows with the enterprises of
an industry, never with the library or the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.bulk import copy_text, insert_lines, insert_rows, select_where_in
from enterprises.choices import EnterpriseStatus
from enterprises.models import Enterprise
from evaluations.selectors import in_library_q
from institutions.choices import Role
from institutions.models import User
from market.models import MarketEvaluation
from patentpool.models import Patent

from . import engine
from .choices import DeclineReason, PushStatus, RunKind, RunState
from .models import (
    EnterpriseMatchKey,
    EnterpriseProfile,
    MatchCursor,
    MatchRun,
    PatentClasses,
    PatentMatchKey,
    Push,
)
from .profiles import changed_enterprise_ids, changed_patent_ids, match_level, refresh_enterprises, refresh_patents
from .selectors import push_scope_q

CLASSIFY_CHUNK = 2000  # patents (or enterprises) whose classes one task refreshes
MATCH_CHUNK = 2000  # patents of one primary key that one task matches
# Incremental passes look back this far before their watermark: a row written by a transaction that committed after
# the previous pass started is still seen (matching it twice is harmless).
OVERLAP = dt.timedelta(seconds=90)


# -- loading rows --------------------------------------------------------------------------------------------------


PATENT_ROW_COLUMNS = ("patent_id", "gbt4754", "ipc", "sei_2021", "words", "maturity_points", "stars", "province_id")


def _patent_rows(patent_ids: Iterable[int]) -> list[engine.PatentRow]:
    return _patent_rows_of(PatentClasses.objects.filter(pk__in=list(patent_ids)))


def _patent_rows_of(queryset) -> list[engine.PatentRow]:
    return [engine.patent_row(*values) for values in queryset.order_by("pk").values_list(*PATENT_ROW_COLUMNS)]


def _enterprise_rows(queryset) -> list[engine.EnterpriseRow]:
    level = match_level()
    return [
        engine.enterprise_row(*values, level=level)
        for values in queryset.order_by("pk").values_list("enterprise_id", "codes", "interests", "words", "province_id")
    ]


def _candidate_enterprises(patent_ids: list[int]) -> list[engine.EnterpriseRow]:
    """Enterprises sharing at least one key with these patents: the industry index, never all enterprises."""
    # Flat lookups rather than one nested IN: on fresh tables (a full run's classify phase has just rewritten them,
    # before any ANALYZE) the planner turned the nested form into a semi join that probes the patent keys once per
    # enterprise profile — up to a second per chunk at 1,000 enterprises, growing with both sides.
    keys = {k for (k,) in select_where_in(f"SELECT DISTINCT key FROM {PatentMatchKey._meta.db_table} WHERE {{}}",
                                           "patent_id", patent_ids)}  # fmt: skip
    ids = {i for (i,) in select_where_in(f"SELECT DISTINCT enterprise_id FROM {EnterpriseMatchKey._meta.db_table} "
                                          "WHERE {}", "key", sorted(keys))}  # fmt: skip
    return _enterprise_rows(EnterpriseProfile.objects.filter(pk__in=sorted(ids)))


PUSH_COLUMNS = ["patent_id", "enterprise_id", "score", "reason", "status", "decline_reason", "feedback", "run_id",
                "created_at"]  # fmt: skip


def _write_pushes(pairs: list[tuple[engine.PatentRow, engine.EnterpriseRow, float]], run_id: int | None) -> int:
    """Insert the pushes that do not exist yet; returns how many were new.

    Pairs already pushed are left out first, the rest go in by COPY; should another pass insert one of them in
    between, the batch falls back to INSERT … ON CONFLICT DO NOTHING, so nothing is ever duplicated."""
    if not pairs:
        return 0
    level = match_level()
    patent_ids = sorted({p.id for p, _, _ in pairs})
    # Already pushed, or already rated by the enterprise on its own (market.MarketEvaluation): never pushed again.
    existing = set(
        select_where_in(f"SELECT patent_id, enterprise_id FROM {Push._meta.db_table} WHERE {{}}", "patent_id",
                         patent_ids)
    )  # fmt: skip
    existing |= set(
        select_where_in(
            f"SELECT patent_id, enterprise_id FROM {MarketEvaluation._meta.db_table} "
            "WHERE enterprise_id IS NOT NULL AND {}",
            "patent_id",
            patent_ids,
        )
    )
    new = [
        (p.id, e.id, round(score, 2), engine.reason(p, e, level))
        for p, e, score in pairs
        if (p.id, e.id) not in existing
    ]
    if not new:
        return 0
    now = timezone.now()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Pushes are idempotent: a commit lost in a crash is redone by the next pass, so this transaction
                # does not wait for its WAL flush (a third of a chunk's time otherwise).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                # Every line has the same shape: one f-string each (the reason is the only free text).
                tail = "\t".join(["", PushStatus.NEW.value, "", "", copy_text(run_id), copy_text(now)])
                return insert_lines(
                    Push, PUSH_COLUMNS, (f"{p}\t{e}\t{score}\t{copy_text(text)}{tail}" for p, e, score, text in new)
                )
            return insert_rows(Push, PUSH_COLUMNS, [(*row, PushStatus.NEW, "", "", run_id, now) for row in new])
    except IntegrityError:
        pass
    rows = [(*row, PushStatus.NEW, "", "", run_id, now) for row in new]
    created = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            batch = rows[start : start + 2000]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {Push._meta.db_table} ({', '.join(PUSH_COLUMNS)}) VALUES {placeholders} "
                "ON CONFLICT (enterprise_id, patent_id) DO NOTHING",
                [value for row in batch for value in row],
            )
            created += cursor.rowcount
    return created


# -- matching ------------------------------------------------------------------------------------------------------


def match_patent_set(patent_ids: list[int], run_id: int | None = None) -> int:
    """Match these patents (classes current) against every enterprise sharing a key with any of them; each patent
    goes to its best enterprises across all its keys. Returns new pushes."""
    return _match_rows(_patent_rows(patent_ids), run_id)


def _match_rows(patents: list[engine.PatentRow], run_id: int | None) -> int:
    enterprises = _candidate_enterprises([p.id for p in patents])
    if not patents or not enterprises:
        return 0
    found = engine.best_per_patent(patents, enterprises, match_level())
    return _write_pushes([(patents[i], enterprises[j], score) for i, j, score in found], run_id)


def match_patents(patent_ids: Iterable[int], run_id: int | None = None) -> int:
    """Match these patents, grouped by their primary key so that each group's candidates overlap."""
    ordered = list(
        PatentClasses.objects.filter(pk__in=list(patent_ids)).order_by("primary_key", "pk").values_list("pk", flat=True)
    )
    return sum(match_patent_set(ordered[i : i + MATCH_CHUNK], run_id) for i in range(0, len(ordered), MATCH_CHUNK))


def match_enterprises(enterprise_ids: Iterable[int], run_id: int | None = None) -> int:
    """Push each of these enterprises its best library patents (a newly registered or edited enterprise)."""
    created = 0
    level = match_level()
    for enterprise in _enterprise_rows(EnterpriseProfile.objects.filter(pk__in=list(enterprise_ids))):
        keys = EnterpriseMatchKey.objects.filter(enterprise_id=enterprise.id).values("key")
        candidate_ids = list(PatentMatchKey.objects.filter(key__in=keys).values_list("patent_id", flat=True).distinct())
        best: list[tuple[float, engine.PatentRow]] = []
        for start in range(0, len(candidate_ids), 20_000):
            patents = _patent_rows(candidate_ids[start : start + 20_000])
            best += [(score, patents[i]) for i, score in engine.best_per_enterprise(patents, enterprise, level)]
        best.sort(key=lambda item: (-item[0], item[1].id))
        created += _write_pushes([(p, enterprise, score) for score, p in best[: engine.PER_ENTERPRISE]], run_id)
    return created


# -- the full rematch ----------------------------------------------------------------------------------------------


def _id_ranges(ids: list[int], size: int) -> list[tuple[int, int]]:
    return [(ids[start], ids[min(start + size, len(ids)) - 1]) for start in range(0, len(ids), size)]


def full_run_plan_classify() -> tuple[MatchRun, list[tuple[str, int, int]]]:
    """A full run's first phase: refresh every library patent's classes and every approved enterprise's profile,
    in id ranges; returns the run and its (kind, first id, last id) chunks."""
    patent_ids = list(Patent.objects.filter(in_library_q()).order_by("pk").values_list("pk", flat=True))
    # Patents that left the library still have classes: their ranges drop them.
    stale = list(
        PatentClasses.objects.exclude(pk__in=Patent.objects.filter(in_library_q())).values_list("pk", flat=True)
    )
    enterprise_ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    chunks = [("patent", lo, hi) for lo, hi in _id_ranges(sorted(set(patent_ids) | set(stale)), CLASSIFY_CHUNK)]
    chunks += [("enterprise", lo, hi) for lo, hi in _id_ranges(enterprise_ids, CLASSIFY_CHUNK)]
    run = MatchRun.objects.create(
        kind=RunKind.FULL, state=RunState.CLASSIFYING, classify_total=len(chunks), patents=len(patent_ids)
    )
    return run, chunks


def classify_chunk(run_id: int, kind: str, lo: int, hi: int) -> bool:
    """Refresh one id range; True when it was the run's last classify chunk (the caller then plans the matching)."""
    if kind == "patent":
        # One pass over the range's patents and those with classes (the ones that left the library are dropped):
        # a second pass over the latter only fingerprinted every library patent again.
        ids = set(Patent.objects.filter(pk__gte=lo, pk__lte=hi).values_list("pk", flat=True))
        ids |= set(PatentClasses.objects.filter(pk__gte=lo, pk__lte=hi).values_list("pk", flat=True))
        refresh_patents(sorted(ids))
    else:
        refresh_enterprises(Enterprise.objects.filter(pk__gte=lo, pk__lte=hi).values_list("pk", flat=True))
    with transaction.atomic():
        MatchRun.objects.filter(pk=run_id).update(classify_done=F("classify_done") + 1)
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.classify_done >= run.classify_total and run.state == RunState.CLASSIFYING:
            run.state = RunState.MATCHING
            run.save(update_fields=["state"])
            return True
    return False


def full_run_plan_match(run_id: int) -> list[tuple[str, int, int]]:
    """The matching phase's chunks: the library by primary key (an industry at the matching level), in id ranges."""
    chunks = []
    current, ids = None, []
    rows = PatentClasses.objects.order_by("primary_key", "patent_id").values_list("primary_key", "patent_id")
    for key, patent_id in rows.iterator(chunk_size=50_000):
        if key != current:
            if ids:
                chunks += [(current, lo, hi) for lo, hi in _id_ranges(ids, MATCH_CHUNK)]
            current, ids = key, []
        ids.append(patent_id)
    if ids:
        chunks += [(current, lo, hi) for lo, hi in _id_ranges(ids, MATCH_CHUNK)]
    MatchRun.objects.filter(pk=run_id).update(chunks_total=len(chunks))
    if not chunks:
        _finish(run_id)
    return chunks


def match_chunk(run_id: int, key: str, lo: int, hi: int) -> int:
    created = _match_rows(
        _patent_rows_of(PatentClasses.objects.filter(primary_key=key, pk__gte=lo, pk__lte=hi)), run_id
    )
    MatchRun.objects.filter(pk=run_id).update(
        chunks_done=F("chunks_done") + 1, pushes_created=F("pushes_created") + created
    )
    if MatchRun.objects.filter(pk=run_id, chunks_done__gte=F("chunks_total"), state=RunState.MATCHING).exists():
        _finish(run_id)
    return created


def _finish(run_id: int) -> None:
    MatchRun.objects.filter(pk=run_id).exclude(state=RunState.DONE).update(
        state=RunState.DONE, finished_at=timezone.now()
    )


def full_run_inline() -> MatchRun:
    """The whole full run in this process (the demo generator, tests, a single-process install)."""
    run, chunks = full_run_plan_classify()
    for kind, lo, hi in chunks:
        classify_chunk(run.pk, kind, lo, hi)
    if not chunks:
        MatchRun.objects.filter(pk=run.pk).update(state=RunState.MATCHING)
    for key, lo, hi in full_run_plan_match(run.pk):
        match_chunk(run.pk, key, lo, hi)
    _move_cursors_to(run.started_at)
    run.refresh_from_db()
    return run


# -- the incremental pass -------------------------------------------------------------------------------------------


def _move_cursors_to(at) -> None:
    for name in ("patents", "enterprises"):
        MatchCursor.objects.update_or_create(name=name, defaults={"at": at})


def match_incremental() -> dict[str, int]:
    """Match what changed since the watermarks: patents approved or edited, enterprises registered or edited.

    One pass at a time (the cursor rows are locked; a second beat tick finds them locked and returns at once).
    """
    with transaction.atomic():
        epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        for name in ("patents", "enterprises"):
            MatchCursor.objects.get_or_create(name=name, defaults={"at": epoch})
        cursors = {c.name: c for c in MatchCursor.objects.select_for_update(skip_locked=True).order_by("name")}
        if len(cursors) < 2:
            return {"skipped": 1}
        started = timezone.now()
        patents = refresh_patents(changed_patent_ids(cursors["patents"].at - OVERLAP))
        enterprises = refresh_enterprises(changed_enterprise_ids(cursors["enterprises"].at - OVERLAP))
        created = match_patents(patents) + match_enterprises(enterprises)
        for cursor in cursors.values():
            cursor.at = started
            cursor.save(update_fields=["at"])
    return {"patents": len(patents), "enterprises": len(enterprises), "pushes": created}


# -- the enterprise's answers --------------------------------------------------------------------------------------


def _own_push(user: User, push_id: int) -> Push:
    push = Push.objects.select_for_update().filter(push_scope_q(user), pk=push_id).first()
    if push is None:
        raise Push.DoesNotExist
    if user.role != Role.ENTERPRISE or push.enterprise_id != user.enterprise_id:
        raise PermissionDenied(_("只有被推送的企业可以反馈 / Only the enterprise it was pushed to may answer"))
    return push


@transaction.atomic
def push_mark_viewed(*, user: User, push_id: int) -> Push:
    push = _own_push(user, push_id)
    if push.status == PushStatus.NEW:
        push.status = PushStatus.VIEWED
        push.viewed_at = timezone.now()
        push._history_user = user
        push.save()
    return push


@transaction.atomic
def push_respond(*, user: User, push_id: int, interested: bool, decline_reason: str = "", feedback: str = "") -> Push:
    """The enterprise is interested, or declines and says why (market feedback the institution sees)."""
    push = _own_push(user, push_id)
    feedback = (feedback or "").strip()
    if len(feedback) > 500:
        raise ValidationError({"feedback": _("反馈意见不超过 500 字 / Feedback is at most 500 characters")})
    if not interested and decline_reason not in DeclineReason.values:
        raise ValidationError(
            {"decline_reason": _("请选择不感兴趣的原因 / Choose why the patent does not interest you")}
        )
    now = timezone.now()
    push.status = PushStatus.INTERESTED if interested else PushStatus.DECLINED
    push.decline_reason = "" if interested else decline_reason
    push.feedback = feedback
    push.viewed_at = push.viewed_at or now
    push.responded_at = now
    push._history_user = user
    push.save()
    return push


# -- the e-mail digest ---------------------------------------------------------------------------------------------


def send_digests() -> int:
    """One e-mail per enterprise with new pushes not yet sent, to its active users with an address; returns mails."""
    sent = 0
    pending = (
        Push.objects.filter(
            status=PushStatus.NEW, digest_sent_at__isnull=True, enterprise__status=EnterpriseStatus.APPROVED
        )
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
    for enterprise_id in list(pending):
        with transaction.atomic():
            pushes = list(
                Push.objects.select_for_update(of=("self",))
                .filter(enterprise_id=enterprise_id, status=PushStatus.NEW, digest_sent_at__isnull=True)
                .select_related("patent")
                .order_by("-score", "pk")
            )
            recipients = list(
                User.objects.filter(enterprise_id=enterprise_id, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
            )
            if not pushes:
                continue
            if recipients:
                lines = [
                    f"- {p.patent.title}（{p.patent.application_number}，{p.score:.0f} 分）{p.reason}"
                    for p in pushes[:20]
                ]
                body = "\n".join(
                    [f"您有 {len(pushes)} 项新推送的专利 / {len(pushes)} new patents were pushed to you:", "", *lines]
                )
                send_mail(
                    f"专利推送 / Patents for you（{len(pushes)}）",
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    recipients,
                )
                sent += 1
            Push.objects.filter(pk__in=[p.pk for p in pushes]).update(digest_sent_at=timezone.now())
    return sent
