"""PostgreSQL text cannot hold NUL: every service refuses it at the edge, naming the field."""

import grpc
import pytest
from kintsugi.v1 import common_pb2, intake_pb2, intake_pb2_grpc

from libs.grpc_server import nul_field
from tests.harness import new_shop


def test_nul_field_finds_nested_and_repeated_strings() -> None:
    clean = intake_pb2.SubmitFeedbackBatchRequest(items=[intake_pb2.FeedbackInput(text="fine")])
    assert nul_field(clean) is None
    nested = intake_pb2.SubmitFeedbackRequest(item=intake_pb2.FeedbackInput(media=[intake_pb2.Media(uri="a\x00")]))
    assert nul_field(nested) == "item.media[0].uri"
    second = intake_pb2.SubmitFeedbackBatchRequest(
        items=[intake_pb2.FeedbackInput(text="ok"), intake_pb2.FeedbackInput(sku="x\x00y")]
    )
    assert nul_field(second) == "items[1].sku"


async def test_a_service_refuses_nul_with_invalid_argument(system) -> None:
    shop = new_shop()
    async with grpc.aio.insecure_channel(system.endpoints.intake_target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await intake_pb2_grpc.IntakeStub(channel).SubmitFeedback(
                intake_pb2.SubmitFeedbackRequest(
                    scope=common_pb2.ShopScope(shop_id=shop),
                    item=intake_pb2.FeedbackInput(channel="chat", external_id="n", text="bad\x00text"),
                )
            )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "item.text" in err.value.details()
