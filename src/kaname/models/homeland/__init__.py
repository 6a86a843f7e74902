"""homeland — Golden Dome homeland missile defence (geometry, engagement, lifecycle cost)."""

from kaname.models.homeland.model import THREATS, HomelandModel, check_consistency

__all__ = ["THREATS", "HomelandModel", "check_consistency"]
