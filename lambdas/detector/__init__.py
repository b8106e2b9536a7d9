"""The detector: every minute, per feature, sequential tests on what CloudWatch holds (traffic, input and
output tokens per request, model mix, retries, a burst projection), and one page per episode with its
explanation. Pure logic in model.py / sequential.py / detect.py / paging.py; AWS access in cloudwatch.py and
service.py; handler.py is thin. Replay (cli/replay) runs the same functions on replayed metrics."""
