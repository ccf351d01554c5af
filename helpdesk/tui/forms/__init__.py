"""The forms: modal screens over a call or the queue, on the shared base in `forms/base.py`."""
