"""The baseline: the fastest way Bolt can acknowledge, served by the same Procfile `web:` line as the app.

`process_before_response=True` and listeners that only call `ack()`: no database, no Web API calls.
"""

import os
import re

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def create_wsgi_app(check_token: bool = False):
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ.get("SLACK_BOT_TOKEN"), base_url=os.environ.get("SLACK_API_URL")),
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command(re.compile(".*"))
    def command(ack):
        ack()

    @app.action(re.compile(".*"))
    def action(ack):
        ack()

    @app.view(re.compile(".*"))
    def view(ack):
        ack()

    @app.event(re.compile(".*"))
    def event(ack):
        ack()

    handler = SlackRequestHandler(app)

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return application
