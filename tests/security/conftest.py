from cdtt.channels.tests.helpers import fake, post
from cdtt.training.tests.conftest import world

__all__ = ["fake", "post", "world"]
