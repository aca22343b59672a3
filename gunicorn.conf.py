"""gunicorn's settings for EstateDesk, read from the working directory (the systemd unit in
docs/production.md and `make bench` run gunicorn from the repository's root). Workers, bind
address and logs stay on the command line.

Each worker, once it has loaded Django, warms what every page needs (URLs, the hot templates,
both languages' catalogues) and then freezes everything alive at that point out of Python's
garbage collector: those objects live as long as the worker, and without the freeze every
full collection walked all of them — a 80–200 ms pause in the middle of some request, which
is what the queue page's 99th percentile was made of (docs/performance.md).
"""

import gc


def post_worker_init(worker):
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 (imports every app's URLs and views)
    for name in (
        "base.html",
        "service_requests/request_queue.html",
        "service_requests/request_detail.html",
    ):
        get_template(name)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            translation.gettext("求助/报事")
    gc.collect()
    gc.freeze()
