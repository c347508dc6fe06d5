// composition root: written next
