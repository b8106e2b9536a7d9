"""The budget evaluator: month-to-date, forecast, threshold crossings, and why cost changed (pure logic in
budget.py / decomposition.py / explain.py; AWS access in cloudwatch.py / state.py; handler.py is thin)."""
