from django.core.management.base import BaseCommand

from estates.demo import DEMO_PASSWORD, demo_accounts


class Command(BaseCommand):
    help = "Print where the console is served and how to log in (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        base = f"http://{host}:{port}"
        lines = [
            "",
            "=" * 64,
            " EstateDesk 物业客服台",
            f" 控制台 Console:      {base}/",
            f" 管理后台 Admin:      {base}/admin/",
            f" API 文档 API docs:   {base}/api/docs/",
            f" 演示账号 Demo accounts (密码 password: {DEMO_PASSWORD}):",
        ]
        lines += [f"   {a.username:<24} {a.roles}" for a in demo_accounts()]
        lines += ["=" * 64, ""]
        self.stdout.write("\n".join(lines))
