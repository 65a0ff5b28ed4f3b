from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("评价")

    def ready(self):
        from common.search import BigramMatch

        from .models import SelfAssessment

        SelfAssessment._meta.get_field("search_text").register_lookup(BigramMatch)
