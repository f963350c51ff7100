from cdtt.channels.tests.helpers import fake, post

__all__ = ["fake", "post"]
