output "autoscaling_group_name" {
  description = "Name of the Auto Scaling group."
  value       = aws_autoscaling_group.this.name
}

output "security_group_id" {
  description = "Security group of the instances (allow it as a source on the database)."
  value       = aws_security_group.this.id
}

output "iam_role_name" {
  description = "IAM role of the instances (attach further policies here)."
  value       = aws_iam_role.this.name
}
