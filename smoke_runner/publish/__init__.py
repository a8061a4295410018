"""Step 7, publish: console, output.xml/log/report, JUnit, summary, metrics, history, alerts, dashboard."""
