"""Milestones (the plan's dated targets, as data national admins edit), quarter snapshots and the provincial feed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import MilestoneMetric, MilestoneScope, SnapshotLevel, SnapshotRunState


class Milestone(models.Model):
    """A dated target: what it measures, whom it applies to, and the target share or count.

    Every progress figure reads the applicable milestone from here, never from code.
    """

    code = models.SlugField(_("编号"), max_length=64, unique=True)
    title = models.CharField(_("名称"), max_length=255)
    # Flow targets (deals, contract amounts) count from here to the due date; empty means from the plan's start.
    start_date = models.DateField(_("起算日期"), null=True, blank=True)
    due_date = models.DateField(_("截止日期"), db_index=True)
    metric = models.CharField(_("指标"), max_length=32, choices=MilestoneMetric.choices)
    scope = models.CharField(_("适用对象"), max_length=24, choices=MilestoneScope.choices)
    province = models.ForeignKey(
        "reference.Province", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("省份")
    )
    target_share = models.DecimalField(
        _("目标比例"), max_digits=5, decimal_places=4, null=True, blank=True, help_text=_("0–1，例如 0.3 表示 30%")
    )
    target_count = models.PositiveIntegerField(_("目标数量"), null=True, blank=True)
    target_amount = models.DecimalField(_("目标金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("依据"), max_length=255, blank=True)

    class Meta:
        ordering = ["due_date", "code"]
        verbose_name = _("时间节点")
        verbose_name_plural = _("时间节点")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="province", province__isnull=False) | ~models.Q(scope="province"),
                name="milestone_province_scope_has_province",
            ),
            models.CheckConstraint(
                condition=models.Q(target_share__isnull=True) | models.Q(target_share__gte=0, target_share__lte=1),
                name="milestone_share_between_0_and_1",
            ),
        ]

    def __str__(self):
        return f"{self.due_date} {self.title}"


class QuarterSnapshot(models.Model):
    """The figures of one institution, college, province, ministry or the nation, frozen at a quarter's end.

    Past quarters never change when the data behind them is corrected later; dashboards read a few of these rows
    instead of counting patents. ``final`` is False for the current quarter's provisional rows (refreshed by beat).
    """

    year = models.PositiveSmallIntegerField(_("年份"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    level = models.CharField(_("层级"), max_length=12, choices=SnapshotLevel.choices)
    # One stable key per entity and level ("inst:12", "unit:40", "prov:32", "auth:moe", "nation"), unique per quarter.
    key = models.CharField(max_length=32)
    province = models.ForeignKey(
        "reference.Province", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    org_unit = models.ForeignKey(
        "institutions.OrgUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    authority = models.CharField(max_length=8, blank=True)
    figures = models.JSONField(_("数据"), default=dict)
    final = models.BooleanField(_("已封存"), default=False)
    taken_at = models.DateTimeField(_("生成时间"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter", "key"], name="snapshot_quarter_key_unique"),
        ]
        indexes = [
            models.Index(fields=["level", "province", "year", "quarter"], name="snapshot_level_province_idx"),
            models.Index(fields=["level", "institution", "year", "quarter"], name="snapshot_level_inst_idx"),
            models.Index(fields=["level", "authority", "year", "quarter"], name="snapshot_level_auth_idx"),
        ]
        verbose_name = _("季度快照")
        verbose_name_plural = _("季度快照")

    def __str__(self):
        return f"{self.year}Q{self.quarter} {self.key}"


class SnapshotRun(models.Model):
    """One quarter's snapshot generation: split into one chunk per province that any number of workers share;
    the worker that finishes the last chunk rolls the provinces, ministries and the nation up."""

    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    final = models.BooleanField(default=True)
    state = models.CharField(max_length=8, choices=SnapshotRunState.choices, default=SnapshotRunState.RUNNING)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    done_provinces = models.JSONField(default=list)  # a chunk delivered twice (acks_late) is counted once
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "quarter"], name="snapshot_run_quarter_unique")]
        verbose_name = _("快照任务")
        verbose_name_plural = _("快照任务")

    def __str__(self):
        return f"{self.year}Q{self.quarter} {self.chunks_done}/{self.chunks_total}"


class ProvinceFeedEntry(models.Model):
    """The provincial data interface's change log: one row per (province, library patent), renumbered each time the
    patent changes or leaves the province's library (then ``removed`` marks a tombstone). A province pulls the rows
    whose ``seq`` is above its cursor."""

    province = models.ForeignKey("reference.Province", on_delete=models.CASCADE, related_name="+")
    patent_id = models.BigIntegerField()  # no foreign key: a tombstone outlives a deleted patent
    application_number = models.CharField(max_length=16)
    stamp = models.DateTimeField()  # the latest change of the patent or its self-assessment when last seen
    seq = models.BigIntegerField(unique=True)
    removed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["province", "patent_id"], name="feed_province_patent_unique"),
        ]
        indexes = [models.Index(fields=["province", "seq"], name="feed_province_seq_idx")]
        verbose_name = _("省级接口变更记录")
        verbose_name_plural = _("省级接口变更记录")

    def __str__(self):
        return f"{self.province_id} {self.application_number} #{self.seq}"


class FeedSequence(models.Model):
    """The last ``seq`` handed out to the feed (one row); taken with select_for_update so numbers only grow."""

    last = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("接口序号")
        verbose_name_plural = _("接口序号")

    def __str__(self):
        return str(self.last)
