"""Quarter snapshots: the figures frozen per institution, college, province, ministry and the nation.

A sealed (final) quarter is never recomputed unless asked to (``replace``), so past quarters do not move when data
behind them is corrected. Generation splits into one chunk per province; chunks run on any number of workers and the
one that finishes the last chunk rolls provinces, ministries and the nation up from the institution rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from institutions.models import Institution, OrgUnit
from reference.models import Province

from .choices import SnapshotLevel, SnapshotRunState
from .figures import compute_rows, rollup
from .models import QuarterSnapshot, SnapshotRun
from .progress import MILESTONE_FIGURE, PLAN_START, check_milestones, flow_milestones, measured_milestones
from .quarters import Period, Quarter
from .scopes import Scope


def snapshot_period(quarter: Quarter, *, final: bool, today: datetime.date) -> Period:
    return Period.of(quarter) if final else Period.of(quarter, until=today)


def snapshot_run_start(*, quarter: Quarter, final: bool = True, replace: bool = False) -> SnapshotRun | None:
    """Open the run of ``quarter`` with one chunk per province that has institutions; None when that quarter is
    already sealed and ``replace`` is not given (a sealed quarter never changes by itself)."""
    today = timezone.localdate()
    if final and quarter.end >= today:
        raise ValueError(
            f"{quarter} 尚未结束，只能生成临时数据 / {quarter} has not ended yet: only provisional figures can be taken"
        )
    provinces = list(Institution.objects.values_list("province_id", flat=True).distinct().order_by("province_id"))
    with transaction.atomic():
        run, created = SnapshotRun.objects.select_for_update().get_or_create(
            year=quarter.year, quarter=quarter.number, defaults={"final": final, "chunks_total": len(provinces)}
        )
        if not created:
            if run.final and run.state == SnapshotRunState.DONE and not replace:
                return None
            if run.final and not final:
                return None  # provisional figures never overwrite a sealed quarter
            run.final, run.state, run.chunks_total = final, SnapshotRunState.RUNNING, len(provinces)
            run.chunks_done, run.done_provinces, run.finished_at = 0, [], None
            run.save()
    run.province_ids = provinces
    return run


def snapshot_province(*, run_id: int, province_id: int) -> bool:
    """Compute and store one province's institution and college rows; True when this was the run's last chunk
    (the caller then rolls up). Running a chunk twice writes the same rows and counts it once."""
    run = SnapshotRun.objects.get(pk=run_id)
    quarter = Quarter(run.year, run.quarter)
    now = timezone.now()
    period = snapshot_period(quarter, final=run.final, today=timezone.localdate())
    province = Province.objects.get(pk=province_id)
    scope = Scope(SnapshotLevel.PROVINCE, province=province)
    institutions = {i.pk: i for i in Institution.objects.filter(province=province)}
    by_institution = compute_rows(scope, period)
    by_college = compute_rows(scope, period, grain=SnapshotLevel.COLLEGE)
    unit_institution = dict(OrgUnit.objects.filter(institution__province=province).values_list("pk", "institution_id"))
    rows = []
    pool = measured_milestones()
    for pk, figures in by_institution.items():
        inst = institutions[pk]
        inst_scope = Scope(SnapshotLevel.INSTITUTION, institution=inst)
        checks = check_milestones(inst_scope, figures, [(inst, figures)], today=quarter.end, pool=pool)
        figures["_met"] = [c.milestone.code for c in checks if c.met_now]
        rows.append(_row(run, SnapshotLevel.INSTITUTION, f"inst:{pk}", figures, now, province=province, institution=inst,
                         authority=inst.authority))  # fmt: skip
    for pk, figures in by_college.items():
        if pk is None:
            continue  # patents without a college count in their institution's row only
        inst = institutions[unit_institution[pk]]
        rows.append(_row(run, SnapshotLevel.COLLEGE, f"unit:{pk}", figures, now, province=province, institution=inst,
                         org_unit_id=pk, authority=inst.authority))  # fmt: skip
    with transaction.atomic():
        keys = [r.key for r in rows]
        QuarterSnapshot.objects.filter(year=run.year, quarter=run.quarter, key__in=keys).delete()
        QuarterSnapshot.objects.bulk_create(rows, batch_size=2000)
        locked = SnapshotRun.objects.select_for_update().get(pk=run.pk)
        if province_id not in locked.done_provinces:
            locked.done_provinces.append(province_id)
            locked.chunks_done = len(locked.done_provinces)
            locked.save(update_fields=["done_provinces", "chunks_done"])
        return locked.chunks_done >= locked.chunks_total


def snapshot_rollup(*, run_id: int) -> None:
    """Province, ministry and national rows from the run's institution rows, with their milestone checks."""
    run = SnapshotRun.objects.get(pk=run_id)
    quarter = Quarter(run.year, run.quarter)
    now = timezone.now()
    today = quarter.end if run.final else timezone.localdate()
    period_end = snapshot_period(quarter, final=run.final, today=timezone.localdate()).end
    institution_rows = list(
        QuarterSnapshot.objects.filter(year=run.year, quarter=run.quarter, level=SnapshotLevel.INSTITUTION)
        .select_related("institution")
        .only("figures", "institution__ip_status", "institution__province_id", "institution__authority", "province")
    )
    groups: dict[tuple, list] = defaultdict(list)
    for row in institution_rows:
        groups[(SnapshotLevel.PROVINCE, row.province_id)].append(row)
        groups[(SnapshotLevel.MINISTRY, row.institution.authority)].append(row)
        groups[(SnapshotLevel.NATIONAL, None)].append(row)
    provinces = Province.objects.in_bulk([k for level, k in groups if level == SnapshotLevel.PROVINCE])
    rows = []
    pool = measured_milestones()
    for (level, key), members in groups.items():
        scope = {
            SnapshotLevel.PROVINCE: lambda k: Scope(SnapshotLevel.PROVINCE, province=provinces[k]),
            SnapshotLevel.MINISTRY: lambda k: Scope(SnapshotLevel.MINISTRY, authority=k),
            SnapshotLevel.NATIONAL: lambda k: Scope(SnapshotLevel.NATIONAL),
        }[level](key)
        total = rollup(r.figures for r in members)
        flows = {}
        for milestone in flow_milestones(scope, pool):
            flow_period = Period(milestone.start_date or PLAN_START, min(period_end, milestone.due_date))
            code = MILESTONE_FIGURE[milestone.metric]
            flows[milestone.pk] = rollup(compute_rows(scope, flow_period, codes={code}).values()).get(code)
        members_figures = [(r.institution, r.figures) for r in members]
        checks = check_milestones(scope, total, members_figures, today=today, flows=flows, pool=pool)
        total["_met"] = [c.milestone.code for c in checks if c.met_now]
        total["_checks"] = {c.milestone.code: [c.value, c.applicable, c.met_count, c.status] for c in checks}
        rows.append(_row(run, level, scope.key, total, now, province=scope.province, authority=scope.authority))
    with transaction.atomic():
        QuarterSnapshot.objects.filter(
            year=run.year,
            quarter=run.quarter,
            level__in=[SnapshotLevel.PROVINCE, SnapshotLevel.MINISTRY, SnapshotLevel.NATIONAL],
        ).delete()
        QuarterSnapshot.objects.bulk_create(rows)
        SnapshotRun.objects.filter(pk=run.pk).update(state=SnapshotRunState.DONE, finished_at=now)


def _row(run, level, key, figures, now, **fields) -> QuarterSnapshot:
    return QuarterSnapshot(
        year=run.year,
        quarter=run.quarter,
        level=level,
        key=key,
        figures=figures,
        final=run.final,
        taken_at=now,
        **fields,
    )


def snapshot_quarter(*, quarter: Quarter, final: bool = True, replace: bool = False) -> SnapshotRun | None:
    """Take a whole quarter in this process (the command and the tests; workers use the chunk task)."""
    run = snapshot_run_start(quarter=quarter, final=final, replace=replace)
    if run is None:
        return None
    for province_id in run.province_ids:
        snapshot_province(run_id=run.pk, province_id=province_id)
    snapshot_rollup(run_id=run.pk)
    run.refresh_from_db()
    return run
