from cdtt.channels.tests.helpers import fake, post, say

__all__ = ["fake", "post", "say"]
