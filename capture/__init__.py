"""Pose capture: MediaPipe inference, identity tracking, video decoding, live sessions."""
