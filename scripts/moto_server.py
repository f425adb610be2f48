"""moto server for the tests, with DynamoDB requests serialised.

moto's TransactWriteItems checks its conditions and writes its items without isolation from a
concurrent transaction, so two racing transactions can both succeed or both fail, which real
DynamoDB never allows (its transactions are serialisable). The tests race writers on purpose,
so DynamoDB calls go through one lock here; every other service (SQS long polls included) stays
concurrent. Usage: python moto_server.py HOST PORT
"""

import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

_dynamodb = threading.Lock()


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    moto = DomainDispatcherApplication(create_backend_app)

    def app(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with _dynamodb:
                return list(moto(environ, start_response))
        return moto(environ, start_response)

    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
