"""The Telegram face of gridpatrol: parse an update, call one service, render the answer."""
