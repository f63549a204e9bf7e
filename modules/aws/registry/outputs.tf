output "registry_url" {
  description = "The account's registry host images are pushed to: <account>.dkr.ecr.<region>.amazonaws.com."
  value       = local.registry_url
}

output "repository_urls" {
  description = "Repository name (as given) -> its URL, <registry_url>/<name>/<repository>; append :<tag> or @<digest>."
  value       = { for repository, ecr in aws_ecr_repository.this : repository => "${local.registry_url}/${ecr.name}" }
}

output "repository_arns" {
  description = "Repository name (as given) -> its ARN (grant pushes on it to a CI role)."
  value       = { for repository, ecr in aws_ecr_repository.this : repository => ecr.arn }
}
