"""What gridpatrol knows: routing, workflow, deadlines, digests, photos. No chat platform here."""
