output "alerts_topic_arn" {
  description = "SNS topic receiving platform and tenant alerts."
  value       = aws_sns_topic.alerts.arn
}
