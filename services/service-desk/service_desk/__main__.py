from runtime.service import run_service
from service_desk.bootstrap import SPEC

run_service(SPEC)
