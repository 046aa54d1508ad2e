import pytest

pytestmark = pytest.mark.anyio


async def test_lists_the_root_territory(client, org):
    response = await client.get("/crm/v8/settings/territories")
    assert response.status_code == 200
    assert response.json()["territories"][0]["id"] == org.root
