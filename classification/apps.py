from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    """Industry classification of patents (GB/T 4754-2017, SEI 2021) from IPC codes and text; no models."""

    name = "classification"
    verbose_name = "行业分类 / Industry classification"
