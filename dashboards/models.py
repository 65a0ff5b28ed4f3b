"""Milestones: the plan's dated targets, as data that national admins can edit."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import MilestoneMetric, MilestoneScope


class Milestone(models.Model):
    """A dated target: what it measures, whom it applies to, and the target share or count.

    Every progress figure reads the applicable milestone from here, never from code.
    """

    code = models.SlugField(_("编号"), max_length=64, unique=True)
    title = models.CharField(_("名称"), max_length=255)
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
