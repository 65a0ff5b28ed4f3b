"""OpenAPI postprocessing: the error answers every operation can give, so the schema tells clients the truth.

drf-spectacular documents the success answers each view declares; the errors come from the framework around the
views (authentication, permissions, lookups, validation, throttles) and are added here from what each view does.
"""

from __future__ import annotations

METHODS = {"get", "post", "put", "patch", "delete"}
UNSAFE = {"post", "put", "patch", "delete"}
ERROR_SCHEMA = {
    "type": "object",
    "description": "错误说明 / what went wrong (a validation error maps each field to its messages instead)",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "请求无效（请求体或筛选值）/ invalid request: the body or a filter value",
    "401": "未认证：请发送 Authorization: Token … / not authenticated: send Authorization: Token …",
    "403": "当前角色无权执行 / not allowed for your role (or a missing CSRF token with a browser session)",
    "404": "不存在或不在你的范围内 / not found, or outside what you may see",
    "429": "请求过多，请稍后再试 / too many requests, try again later",
}


def _view(generator, path: str, method: str):
    for endpoint_path, _regex, endpoint_method, callback in getattr(generator, "endpoints", None) or []:
        if endpoint_path == path and endpoint_method.lower() == method:
            return generator.create_view(callback, endpoint_method)
    return None


def document_error_responses(result, generator, request, public):
    """Add 400/401/403/404/429 answers to each operation where the framework can give them."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            wanted = set()
            view = _view(generator, path, method)
            # drf-spectacular lists the schemes of every view that authenticates; none for an open one.
            secured = any(requirement for requirement in operation.get("security", []))
            if secured:
                wanted.add("401")
                if method in UNSAFE:
                    wanted.add("403")
            if "{" in path:
                wanted.add("404")
            # A body is validated; so are a list's filter values (django-filter answers 400 for a bad one).
            filtered = getattr(view, "filterset_class", None) is not None and method == "get"
            if "requestBody" in operation or filtered:
                wanted.add("400")
            if view is not None and view.get_throttles():
                wanted.add("429")
            responses = operation.setdefault("responses", {})
            for code in sorted(wanted):
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": error})
    return result
