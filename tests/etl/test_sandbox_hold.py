"""The sandbox's ``hold`` fault: a request waits inside the sandbox until the test lets it go."""

import threading

import requests

ACCOUNT_PATH = "/v21.0/act_1000000001"


def get_in_background(url: str) -> tuple[threading.Thread, dict]:
    answer = {}

    def get():
        answer["status"] = requests.get(url, headers={"Authorization": "Bearer x"}, timeout=60).status_code

    thread = threading.Thread(target=get)
    thread.start()
    return thread, answer


def test_a_held_request_answers_only_once_released(sandbox):
    sandbox.clear_faults()
    sandbox.inject("hold", provider="meta")
    thread, answer = get_in_background(sandbox.base_url + ACCOUNT_PATH)
    try:
        assert sandbox.wait_until_held(timeout=30)
        assert sandbox.stats()["held"] == 1
        assert answer == {}
        sandbox.release()
        thread.join(timeout=30)
        assert answer == {"status": 200}
        assert sandbox.stats()["held"] == 0
    finally:
        sandbox.clear_faults()
        thread.join(timeout=30)


def test_a_held_request_is_released_over_http(sandbox):
    sandbox.clear_faults()
    added = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"kind": "hold", "provider": "meta"}, timeout=10
    )
    assert added.status_code == 201
    thread, answer = get_in_background(sandbox.base_url + ACCOUNT_PATH)
    try:
        assert sandbox.wait_until_held(timeout=30)
        assert requests.post(f"{sandbox.base_url}/_sandbox/release", timeout=10).json() == {"released": True}
        thread.join(timeout=30)
        assert answer == {"status": 200}
    finally:
        sandbox.clear_faults()
        thread.join(timeout=30)
