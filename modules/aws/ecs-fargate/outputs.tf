output "service_urls" {
  description = "Service name -> URL: https://<domain> for a service with a domain, else its load balancer's DNS name, with the service's port when it has a listener of its own (http:// without certificate_arn); a service without a port has none."
  value = { for key, service in local.served : key => service.domain != null ? "https://${service.domain}" : format(
    "%s://%s%s", local.https ? "https" : "http", aws_lb.this[local.service_load_balancer[key]].dns_name,
    contains(keys(local.port_listeners), key) ? ":${service.port}" : ""
  ) }
}

output "service_identities" {
  description = "Service name -> ARN of the task role the service runs as (it has no policies: attach what the application needs)."
  value       = { for key in keys(var.services) : key => aws_iam_role.task[key].arn }
}

output "job_identities" {
  description = "Job name -> ARN of the task role the job runs as (no policies)."
  value       = { for key in keys(var.jobs) : key => aws_iam_role.task[key].arn }
}

output "security_group_ids" {
  description = "Service or job name -> security group of its tasks (admit it on a database's security group)."
  value       = { for key, group in aws_security_group.task : key => group.id }
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "load_balancer_dns_names" {
  description = "public / internal -> DNS name of that load balancer (point the services' domains at it)."
  value       = { for kind, load_balancer in aws_lb.this : kind => load_balancer.dns_name }
}

output "load_balancer_zone_ids" {
  description = "public / internal -> hosted zone ID of that load balancer (for Route 53 alias records)."
  value       = { for kind, load_balancer in aws_lb.this : kind => load_balancer.zone_id }
}

output "log_group_names" {
  description = "Service or job name -> CloudWatch log group of its tasks."
  value       = local.log_group_names
}
