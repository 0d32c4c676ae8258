"""Through the real gateway and every service: a damaged-parcel review with an unboxing video is paid at once.

feedback → intake → outbox → triage (logistics_damage case) → outbox → compensation (flash payout)
→ outbox → evidence (the video's hash in the log).
"""

from __future__ import annotations

from tests.harness import eventually, new_shop, token

VIDEO_SHA = "cd" * 32


def review(external_id: str, *, video: bool) -> dict:
    media = [{"kind": "video", "sha256": VIDEO_SHA, "uri": "https://cdn.example/unboxing.mp4"}] if video else []
    return {
        "channel": "review",
        "external_id": external_id,
        "rating": 1,
        "text": "包装破损，外箱压坏了，里面的杯子摔碎了两个😡",
        "customer": {"id": "c-9", "tier": "regular"},
        "order_id": f"o-{external_id}",
        "order_value": {"amount_minor": 12_000, "currency": "CNY"},
        "media": media,
    }


async def test_damaged_parcel_with_unboxing_video_is_paid_and_its_video_logged(comp_system) -> None:
    shop = new_shop()
    async with comp_system.http(token([shop], ["agent", "auditor"], sub="agent-1")) as http:
        with_video = (await http.post(f"/v1/shops/{shop}/feedback", json=review("r-1", video=True))).json()["id"]
        without = (await http.post(f"/v1/shops/{shop}/feedback", json=review("r-2", video=False))).json()["id"]

        async def case_of(feedback_id: str):  # type: ignore[no-untyped-def]
            return (await http.get(f"/v1/shops/{shop}/feedback/{feedback_id}")).json().get("case_id")

        case_id = await eventually(lambda: case_of(with_video), timeout=20)
        other_case = await eventually(lambda: case_of(without), timeout=20)
        assert (await http.get(f"/v1/shops/{shop}/cases/{case_id}")).json()["category"] == "logistics_damage"

        async def offers(case: str):  # type: ignore[no-untyped-def]
            return (await http.get(f"/v1/shops/{shop}/cases/{case}/offers")).json()["items"]

        [paid] = await eventually(lambda: offers(case_id), timeout=20)
        assert paid["state"] == "paid" and paid["flash"] is True and paid["payout_id"]
        assert paid["amount"]["amount_minor"] <= 10_000  # within the default flash limit
        [waiting] = await eventually(lambda: offers(other_case), timeout=20)
        assert waiting["state"] == "pending_approval" and "flash_no_unboxing_video" in waiting["approval_reasons"]

        async def logged():  # type: ignore[no-untyped-def]
            items = (await http.get(f"/v1/shops/{shop}/evidence", params={"case_id": case_id})).json()["items"]
            return items or None

        [entry] = await eventually(logged, timeout=20)
        assert entry["sha256"] == VIDEO_SHA and entry["kind"] == "unboxing_video"
        assert paid["payout_id"] in entry["description"]
