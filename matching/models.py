"""Matching of resource-library patents to registered enterprises, and the pushes that result.

``PatentClasses`` and ``EnterpriseProfile`` hold what matching reads, computed once per change (a fingerprint of the
inputs decides); ``PatentMatchKey`` and ``EnterpriseMatchKey`` are the industry index that candidates come from: a
pair is a candidate only when it shares a key, so nothing ever looks at all pairs.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import ClassSource, DeclineReason, PushStatus, RunKind, RunState


class PatentClasses(models.Model):
    """The classes a library patent is matched by: its declared classes refined by (or, lacking them, derived with)
    ``classification.classify`` from its IPC codes and texts; plus its content words and ranking facts."""

    patent = models.OneToOneField(
        "patentpool.Patent", primary_key=True, on_delete=models.CASCADE, related_name="match_classes"
    )
    gbt4754 = models.CharField(_("国民经济行业分类"), max_length=200, blank=True)  # '|'-separated, best first
    sei_2021 = models.CharField(_("战新分类"), max_length=60, blank=True)
    ipc = models.CharField(_("IPC 小类"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=ClassSource.choices)
    reason = models.CharField(_("分类依据"), max_length=500, blank=True)
    words = models.TextField(_("关键词"), blank=True)  # jieba content words, space-separated
    maturity_points = models.PositiveSmallIntegerField(default=0)
    stars = models.PositiveSmallIntegerField(default=0)
    province_id = models.IntegerField(null=True)
    # The patent's first key ('g:C38', else its first field): full runs partition the library by it, so patents
    # of one industry are matched together against the union of their candidates, each patent exactly once.
    primary_key = models.CharField(max_length=16, blank=True)
    fingerprint = models.CharField(max_length=40)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["primary_key", "patent"], name="patent_classes_primary_idx")]
        verbose_name = _("专利匹配分类")
        verbose_name_plural = _("专利匹配分类")

    def __str__(self):
        return f"{self.patent_id}: {self.gbt4754}"


class PatentMatchKey(models.Model):
    """One key of a patent's index: 'g:C38' (GB/T code at or above the matching level), 'i:H01M', 's:3.1'."""

    patent = models.ForeignKey("patentpool.Patent", on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["key", "patent"], name="patent_match_key_idx")]
        constraints = [models.UniqueConstraint(fields=["patent", "key"], name="patent_match_key_unique")]

    def __str__(self):
        return f"{self.patent_id} {self.key}"


class EnterpriseProfile(models.Model):
    """What matching reads of an approved enterprise: its codes, interests, content words, province."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", primary_key=True, on_delete=models.CASCADE, related_name="match_profile"
    )
    codes = models.CharField(max_length=500, blank=True)  # GB/T codes, main first, '|'-separated
    interests = models.CharField(max_length=500, blank=True)
    words = models.TextField(blank=True)
    province_id = models.IntegerField(null=True)
    fingerprint = models.CharField(max_length=40)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.enterprise_id}: {self.codes}"


class EnterpriseMatchKey(models.Model):
    """One key of an enterprise's index: its GB/T codes cut to the matching level, its IPC and SEI interests."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["key", "enterprise"], name="enterprise_match_key_idx")]
        constraints = [models.UniqueConstraint(fields=["enterprise", "key"], name="enterprise_match_key_unique")]

    def __str__(self):
        return f"{self.enterprise_id} {self.key}"


class MatchRun(models.Model):
    """One matching job: a full rematch split into chunks that any number of workers share, or an incremental pass."""

    kind = models.CharField(_("类型"), max_length=12, choices=RunKind.choices)
    state = models.CharField(_("状态"), max_length=12, choices=RunState.choices, default=RunState.CLASSIFYING)
    chunks_total = models.PositiveIntegerField(_("分块数"), default=0)
    chunks_done = models.PositiveIntegerField(_("已完成分块"), default=0)
    classify_total = models.PositiveIntegerField(default=0)
    classify_done = models.PositiveIntegerField(default=0)
    patents = models.PositiveIntegerField(_("专利数"), default=0)
    pushes_created = models.PositiveIntegerField(_("新推送"), default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("匹配任务")
        verbose_name_plural = _("匹配任务")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class MatchCursor(models.Model):
    """A watermark of the incremental matching: patents or enterprises changed after ``at`` are still to match."""

    name = models.CharField(max_length=32, unique=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"


class Push(models.Model):
    """A patent pushed to an enterprise, with its score and a reason a person can read; the enterprise's answer.

    Unique per (patent, enterprise): a rerun never pushes the same patent twice, and a declined one never again.
    """

    patent = models.ForeignKey("patentpool.Patent", on_delete=models.CASCADE, related_name="pushes")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="pushes", db_index=False
    )
    score = models.FloatField(_("匹配分"))
    reason = models.CharField(_("推送理由"), max_length=500)
    status = models.CharField(_("状态"), max_length=12, choices=PushStatus.choices, default=PushStatus.NEW)
    decline_reason = models.CharField(_("不感兴趣的原因"), max_length=16, choices=DeclineReason.choices, blank=True)
    feedback = models.CharField(_("反馈意见"), max_length=500, blank=True)
    run = models.ForeignKey(MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("推送时间"), auto_now_add=True)
    viewed_at = models.DateTimeField(_("查看时间"), null=True, blank=True)
    responded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    # Pushes are created in bulk (no history row each); the enterprise's answers are saved one by one and audited.
    history = HistoricalRecords(
        excluded_fields=["digest_sent_at"], no_db_index=["patent", "enterprise", "run", "status"],
        user_db_constraint=False,
    )  # fmt: skip

    class Meta:
        ordering = ["-score", "-id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "patent"], name="push_enterprise_patent_unique")]
        # No inbox index: the unique index leads with the enterprise, and one enterprise's pushes are few; every
        # index is paid for on each of the millions of rows a full run writes.
        verbose_name = _("推送")
        verbose_name_plural = _("推送")

    def __str__(self):
        return f"{self.patent_id} → {self.enterprise_id} ({self.score:.0f})"
