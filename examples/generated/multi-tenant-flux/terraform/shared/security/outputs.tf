output "platform_kms_key_arn" {
  description = "Platform key (alias alias/<project>-<environment>-platform)."
  value       = module.kms.key_arn
}
