"""Running a provincial evaluation return: read the workbook, validate every row with the rating validator, then
write all ratings in one transaction — or none, with every error named and the bad cells marked."""

from __future__ import annotations

import logging
import os
import tempfile

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from enterprises.models import Enterprise
from enterprises.validators import validate_credit_code
from evaluations.selectors import in_library_q
from patentpool.models import Patent
from reference.appno import ApplicationNumber, ApplicationNumberError

from .choices import FINAL_IMPORT_STATES, ImportState
from .figures import refresh_market_view
from .models import EvaluationImport, MarketEvaluation
from .validation import FIELDS, validate_evaluation
from .workbook import COLUMN_BY_KEY, WorkbookRefused, read_rows, write_error_copy

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 200


def _error(row: int, key: str, value, message: str, message_en: str) -> dict:
    column = COLUMN_BY_KEY[key]
    return {
        "row": row, "column": column.letter, "header": column.header, "value": "" if value is None else str(value),
        "message": message, "message_en": message_en,
    }  # fmt: skip


def _update(job: EvaluationImport, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    EvaluationImport.objects.filter(pk=job.pk).update(**fields)


def validate_rows(job: EvaluationImport, rows: list[tuple[int, dict]]) -> tuple[list[dict], list[tuple]]:
    """Every problem of every row, and the ratings to write: (patent_id, enterprise_id, values, row)."""
    numbers, codes = {}, {}
    for number, cells in rows:
        raw = cells["application_number"]
        try:
            numbers[number] = str(ApplicationNumber.parse(raw))
        except ApplicationNumberError:
            numbers[number] = None
        codes[number] = str(cells["credit_code"] or "").strip().upper()
    patents = dict(
        Patent.objects.filter(in_library_q(), application_number__in={n for n in numbers.values() if n}).values_list(
            "application_number", "pk"
        )
    )
    enterprises = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=set(codes.values()))}
    answered = set(
        MarketEvaluation.objects.filter(patent_id__in=patents.values(), enterprise__credit_code__in=set(codes.values()))
        .exclude(answer="")
        .values_list("patent_id", "enterprise_id")
    )
    errors, ratings, seen = [], [], {}
    for index, (number, cells) in enumerate(rows, start=1):
        raw_number = cells["application_number"]
        patent_id = None
        if numbers[number] is None:
            errors.append(
                _error(number, "application_number", raw_number, "申请号无法识别", "not an application number")
            )
        else:
            patent_id = patents.get(numbers[number])
            if patent_id is None:
                errors.append(
                    _error(number, "application_number", raw_number, "该专利不在转化资源库中", "not in the library")
                )
        enterprise = None
        code = codes[number]
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            errors.append(_error(number, "credit_code", cells["credit_code"], exc.messages[0], "invalid credit code"))
        else:
            enterprise = enterprises.get(code)
            if enterprise is None:
                errors.append(
                    _error(number, "credit_code", code, "该企业未在平台登记", "the enterprise is not registered")
                )
            elif enterprise.province_id != job.province_id:
                errors.append(
                    _error(number, "credit_code", code, "该企业不属于本省", "the enterprise is not of your province")
                )
                enterprise = None
        checked = validate_evaluation({name: cells.get(name) for name in FIELDS})
        for problem in checked.errors:
            errors.append(_error(number, problem.field, cells.get(problem.field), problem.message, problem.message_en))
        if patent_id and enterprise:
            pair = (patent_id, enterprise.pk)
            if pair in seen:
                errors.append(
                    _error(number, "credit_code", code, f"与第 {seen[pair]} 行重复", f"duplicates row {seen[pair]}")
                )
            elif pair in answered:
                errors.append(
                    _error(
                        number,
                        "credit_code",
                        code,
                        "单位已答复该评价，不能再修改",
                        "already answered by the institution",
                    )
                )
            seen.setdefault(pair, number)
            if checked.ok:
                checked.values.pop("opinion", None)
                ratings.append((patent_id, enterprise.pk, checked.values, number))
        if index % PROGRESS_EVERY == 0:
            _update(job, processed_rows=index)
    return errors, ratings


@transaction.atomic
def apply_ratings(job: EvaluationImport, ratings: list[tuple]) -> tuple[int, int]:
    """Create or update every rating, audited as the uploader; then refresh the patents' market figures."""
    existing = {
        (e.patent_id, e.enterprise_id): e
        for e in MarketEvaluation.objects.select_for_update().filter(
            patent_id__in={r[0] for r in ratings}, enterprise_id__in={r[1] for r in ratings}
        )
    }
    created = updated = 0
    for patent_id, enterprise_id, values, _row in ratings:
        evaluation = existing.get((patent_id, enterprise_id))
        if evaluation is None:
            evaluation = MarketEvaluation(patent_id=patent_id, enterprise_id=enterprise_id)
            created += 1
        else:
            updated += 1
        for name, value in values.items():
            setattr(evaluation, name, value)
        evaluation.submitted_by_id = job.uploaded_by_id
        evaluation._history_user = job.uploaded_by
        evaluation._change_reason = f"province-return:{job.pk}"
        evaluation.save()
    for patent_id in sorted({r[0] for r in ratings}):
        refresh_market_view(patent_id)
    return created, updated


def evaluation_import_process(job_id: int) -> EvaluationImport | None:
    """Run one return to its end; a finished job is left alone, so running it twice is safe."""
    job = EvaluationImport.objects.select_related("uploaded_by").filter(pk=job_id).first()
    if job is None or job.state in FINAL_IMPORT_STATES:
        return job
    _update(job, state=ImportState.VALIDATING, processed_rows=0)
    with job.file.open("rb") as source, tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as local:
        local.write(source.read())
        path = local.name
    try:
        try:
            rows = read_rows(path)
        except WorkbookRefused as exc:
            _update(job, state=ImportState.FAILED, message=str(exc)[:500], finished_at=timezone.now())
            return job
        _update(job, total_rows=len(rows))
        errors, ratings = validate_rows(job, rows)
        if errors:
            _fail(job, path, errors)
            return job
        created, updated = apply_ratings(job, ratings)
        _update(
            job, state=ImportState.SUCCEEDED, processed_rows=len(rows), created_count=created, updated_count=updated,
            finished_at=timezone.now(),
        )  # fmt: skip
        return job
    except Exception:
        logger.exception("evaluation return %s failed", job.pk)
        _update(
            job,
            state=ImportState.ERROR,
            message="处理出错，请联系管理员 / Processing failed",
            finished_at=timezone.now(),
        )
        raise
    finally:
        os.unlink(path)


def _fail(job: EvaluationImport, path: str, errors: list[dict]) -> None:
    errors.sort(key=lambda e: (e["row"], e["column"]))
    try:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as marked:
            write_error_copy(path, marked.name, errors)
            marked.seek(0)
            job.error_file.save(f"return-errors-{job.pk}.xlsx", ContentFile(marked.read()), save=False)
    except Exception:  # the error list stands on its own
        logger.exception("could not mark the copy of return %s", job.pk)
    _update(
        job, state=ImportState.FAILED, errors=errors, error_count=len(errors), error_file=job.error_file.name,
        processed_rows=job.total_rows, finished_at=timezone.now(),
        message=f"发现 {len(errors)} 处错误，未写入任何数据 / {len(errors)} errors; nothing was written",
    )  # fmt: skip
