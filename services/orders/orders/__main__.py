from orders.bootstrap import SPEC
from runtime.service import run_service

run_service(SPEC)
