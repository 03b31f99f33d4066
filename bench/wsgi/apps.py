"""The applications wsgi_bench.py serves: a hello-world WSGI callable and a Flask one."""


def hello(environ, start_response):
    """Hello, world, as plain WSGI."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, world!"]


try:
    from flask import Flask

    flask_app = Flask(__name__)

    @flask_app.get("/")
    def index() -> str:
        """Hello, world, through Flask's routing and response."""
        return "Hello, world!"

except ImportError:  # the benchmark says it skips Flask
    flask_app = None
