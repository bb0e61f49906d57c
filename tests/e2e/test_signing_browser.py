"""The customer's signing channel in a real browser (XC-02, OR-22): Debian's headless Chromium,
driven by Selenium, opens the one-time link the running orders service issued, draws on the
signing pad with a mouse (and, on a phone-sized screen, with a finger), and signs. Screenshots of
the page are kept as test artifacts."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from countersign.stack import Stack
from kernel.audit.signatures import checker_for
from kernel.audit.verify import store_location, verify_stores
from kernel.settings import KernelSettings
from runtime.signing import KeyRing
from tests.e2e.api import Api

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ARTIFACTS = Path(
    os.environ.get("COUNTERSIGN_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(
            "Debian's chromium and chromium-driver are needed: `make test` installs them "
            "(apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",  # the tests may run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        # This machine's network is closed: no background calls home.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


async def shipped_order_with_link(api: Api, name: str) -> tuple[str, dict[str, Any]]:
    customer_id = await api.approved_customer(name)
    order_id = await api.order_when_customer_known(customer_id, ["B-1", "B-2"])
    await api.ship_order(order_id)
    link = await api.ok(
        "POST",
        "orders",
        f"/orders/{order_id}/signing-requests",
        "sales-clerk",
        {"contact_name": "Zhao Lan", "contact": "zhao.lan@example.com", "open_hours": 24},
    )
    return order_id, link


def screenshot(browser: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / name))


def draw_with_mouse(browser: WebDriver) -> None:
    pad = browser.find_element(By.ID, "pad")
    strokes = ActionChains(browser).move_to_element_with_offset(pad, -120, 10).click_and_hold()
    for dx, dy in ((30, -30), (30, 40), (30, -35), (30, 30), (40, -10)):
        strokes = strokes.move_by_offset(dx, dy)
    strokes.release().perform()


def draw_with_finger(browser: WebDriver) -> None:
    box = browser.execute_script(
        "const r = document.getElementById('pad').getBoundingClientRect();"
        "return [r.left, r.top, r.width, r.height];"
    )
    left, top, width, height = box
    points = [
        (left + width * f, top + height * (0.5 + 0.3 * (-1) ** i))
        for i, f in enumerate((0.2, 0.35, 0.5, 0.65, 0.8))
    ]
    touch = functools.partial(browser.execute_cdp_cmd, "Input.dispatchTouchEvent")
    touch({"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for x, y in points[1:]:
        touch({"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    touch({"type": "touchEnd", "touchPoints": []})


def sign_on_the_page(browser: WebDriver, draw: Any, comment: str) -> None:
    accept = browser.find_element(By.ID, "accept")
    assert not accept.is_enabled()  # nothing drawn yet
    browser.find_element(By.ID, "typed-name").send_keys("Zhao Lan")
    draw(browser)
    browser.find_element(By.ID, "comment").send_keys(comment)
    assert accept.is_enabled()


def orders_store_verified(stack: Stack) -> int:
    """`audit verify` of the orders store, in this process: its failures must be none; returns
    the signatures and seals it checked."""
    settings = KernelSettings(
        data_dir=stack.config.data_dir, database_url=stack.config.database_url
    )
    reports = verify_stores(
        [store_location(settings, "orders")],
        functools.partial(checker_for, KeyRing.load(settings.keys_path)),
    )
    report = reports["orders"]
    assert report is not None and report.failures == [], report
    return report.signatures


async def test_xc02_or22_the_customer_signs_in_a_real_browser(
    stack: Stack, api: Api, browser: WebDriver
) -> None:
    order_id, link = await shipped_order_with_link(api, "Browser Pumps Ltd")
    browser.set_window_size(1024, 900)
    browser.get(link["url"])

    assert browser.find_element(By.ID, "title").text == "Delivery confirmation"
    facts = browser.find_element(By.ID, "facts").text
    assert order_id in facts and "Browser Pumps Ltd" in facts
    lines = browser.find_element(By.ID, "lines").text
    assert "PUMP-7" in lines and "B-1, B-2" in lines
    assert browser.find_element(By.ID, "version").text == link["document_version_hash"]

    sign_on_the_page(browser, draw_with_mouse, "Both pumps received; one crate dented.")
    screenshot(browser, "signing-page.png")
    browser.find_element(By.ID, "accept").click()
    done = WebDriverWait(browser, 10).until(seen.presence_of_element_located((By.ID, "done")))
    assert "signature is recorded" in done.text
    screenshot(browser, "signing-page-signed.png")

    # The order shows as signed, with what the customer drew and wrote, as the seal names it.
    order = await api.ok("GET", "orders", f"/orders/{order_id}", "finance")
    assert order["status"] == "delivered" and order["received_at"]
    [signature] = await api.ok("GET", "orders", f"/orders/{order_id}/signatures", "finance")
    assert (signature["capacity"], signature["method"]) == ("customer", "e_sign")
    image_path = f"/orders/{order_id}/signatures/{signature['signature_id']}/image"
    image = (await api.call("GET", "orders", image_path, "finance")).content
    assert image.startswith(b"\x89PNG") and len(image) > 1000  # the strokes, not a blank pad
    trail = await api.ok("GET", "orders", f"/audit-trail/{order_id}", "finance")
    captured = next(e for e in trail if e["event"].endswith("CustomerSigned"))
    answer = captured["details"]["answer"]
    assert answer["comment"] == "Both pumps received; one crate dented."
    assert answer["image_hash"] == hashlib.sha256(image).hexdigest()
    assert "HeadlessChrome" in answer["user_agent"]
    assert captured["details"]["sealed_by"] == "service:orders"
    assert await asyncio.to_thread(orders_store_verified, stack) >= 1

    # XC-02: the link was for one answer only.
    browser.get(link["url"])
    assert browser.find_element(By.ID, "rule").text == "XC-02"
    assert "already been used" in browser.find_element(By.ID, "refusal").text
    screenshot(browser, "signing-link-used.png")


async def test_xc02_a_phone_sized_page_signed_with_a_finger(
    stack: Stack, api: Api, browser: WebDriver
) -> None:
    order_id, link = await shipped_order_with_link(api, "Touch Pumps Ltd")
    browser.set_window_size(390, 844)
    browser.get(link["url"])
    fits = browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    assert fits, "the signing page scrolls sideways on a phone"

    sign_on_the_page(browser, draw_with_finger, "")
    screenshot(browser, "signing-page-phone.png")
    browser.find_element(By.ID, "accept").click()
    WebDriverWait(browser, 10).until(seen.presence_of_element_located((By.ID, "done")))

    order = await api.ok("GET", "orders", f"/orders/{order_id}", "finance")
    assert order["status"] == "delivered"
