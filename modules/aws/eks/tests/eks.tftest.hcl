# Offline: `terraform init -backend=false && terraform test` (mocked AWS provider).

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  name                = "test"
  kubernetes_version  = "1.29"
  subnet_ids          = ["subnet-a", "subnet-b", "subnet-c"]
  node_instance_types = ["m6i.large"]
}

run "private_audited_cluster_with_secrets_encrypted_by_a_dedicated_key" {
  command = plan

  assert {
    condition     = length(aws_kms_key.secrets) == 1 && aws_kms_key.secrets[0].enable_key_rotation == true
    error_message = "Without a given key the module must create a rotating KMS key."
  }

  assert {
    condition     = aws_eks_cluster.this.encryption_config[0].resources == toset(["secrets"])
    error_message = "Kubernetes Secrets must be envelope-encrypted."
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_public_access == false && aws_eks_cluster.this.vpc_config[0].endpoint_private_access == true
    error_message = "The API endpoint must be private by default."
  }

  assert {
    condition     = contains(aws_eks_cluster.this.enabled_cluster_log_types, "audit")
    error_message = "Audit logs must be enabled."
  }

  assert {
    condition     = aws_eks_cluster.this.version == "1.29"
    error_message = "Cluster version must follow the plan."
  }
}

run "network_policies_enforced_and_nodes_hardened" {
  command = plan

  assert {
    condition     = jsondecode(aws_eks_addon.this["vpc-cni"].configuration_values).enableNetworkPolicy == "true"
    error_message = "The VPC CNI must enforce NetworkPolicies (enableNetworkPolicy)."
  }

  assert {
    condition = alltrue([
      for addon in aws_eks_addon.this :
      addon.resolve_conflicts_on_create == "OVERWRITE" && addon.resolve_conflicts_on_update == "OVERWRITE"
    ])
    error_message = "EKS installs vpc-cni, coredns and kube-proxy itself: the managed add-ons must take them over (OVERWRITE), or their configuration is refused."
  }

  assert {
    condition     = aws_launch_template.nodes.metadata_options[0].http_tokens == "required" && aws_launch_template.nodes.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "Nodes must require IMDSv2 with a hop limit of 1 (pods use Pod Identity or IRSA)."
  }

  assert {
    condition     = aws_launch_template.nodes.block_device_mappings[0].ebs[0].encrypted == "true" && aws_launch_template.nodes.block_device_mappings[0].ebs[0].volume_type == "gp3"
    error_message = "Node root volumes must be encrypted gp3."
  }

  assert {
    condition     = length(aws_eks_node_group.default.launch_template) == 1
    error_message = "The node group must start from the hardened launch template."
  }
}

run "nodes_boot_the_image_of_their_instance_types_architecture" {
  command = plan

  assert {
    condition     = aws_eks_node_group.default.ami_type == "AL2023_x86_64_STANDARD"
    error_message = "x86_64 node types must boot the x86_64 EKS image."
  }
}

run "nodes_are_on_demand_unless_spot_is_asked_for" {
  command = plan

  assert {
    condition     = aws_eks_node_group.default.capacity_type == "ON_DEMAND"
    error_message = "Nodes are on-demand by default."
  }
}

run "spot_nodes_run_the_autoscaling_group_on_spot_capacity" {
  command = plan

  variables {
    spot_nodes       = true
    system_node_pool = true
  }

  assert {
    condition     = aws_eks_node_group.default.capacity_type == "SPOT"
    error_message = "spot_nodes must run the autoscaling group on Spot capacity."
  }

  assert {
    condition     = aws_eks_node_group.system[0].capacity_type == "ON_DEMAND"
    error_message = "The system group keeps on-demand capacity: the add-ons must not be interrupted together."
  }
}

run "graviton_nodes_boot_the_arm64_image" {
  command = plan

  variables {
    node_instance_types = ["m7g.large", "c7g.large"]
  }

  assert {
    condition     = aws_eks_node_group.default.ami_type == "AL2023_ARM_64_STANDARD"
    error_message = "AWS Graviton node types must boot the arm64 EKS image (EKS refuses the x86_64 one)."
  }
}

run "a_long_name_keeps_the_role_prefixes_within_the_iam_limit" {
  command = plan

  variables {
    name = "customer-analytics-platform-staging"
  }

  assert {
    condition     = length(aws_iam_role.cluster.name_prefix) <= 38 && length(aws_iam_role.node.name_prefix) <= 38
    error_message = "IAM refuses a role name_prefix over 38 characters."
  }
}

run "a_node_group_of_both_architectures_is_refused" {
  command = plan

  variables {
    node_instance_types = ["m7g.large", "m6i.large"]
  }

  expect_failures = [aws_eks_node_group.default]
}

run "security_groups_for_pods" {
  command = plan

  variables {
    pod_security_groups = true
  }

  assert {
    condition     = jsondecode(aws_eks_addon.this["vpc-cni"].configuration_values).env.ENABLE_POD_ENI == "true" && jsondecode(aws_eks_addon.this["vpc-cni"].configuration_values).enableNetworkPolicy == "true"
    error_message = "Security groups for pods need ENABLE_POD_ENI on the VPC CNI, beside NetworkPolicy enforcement."
  }

  assert {
    condition     = jsondecode(aws_eks_addon.this["vpc-cni"].configuration_values).env.POD_SECURITY_GROUP_ENFORCING_MODE == "standard"
    error_message = "Standard enforcing mode keeps kubelet probes and NetworkPolicies working for pods with security groups."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.vpc_resource_controller) == 1 && endswith(aws_iam_role_policy_attachment.vpc_resource_controller[0].policy_arn, "/AmazonEKSVPCResourceController")
    error_message = "The cluster role needs AmazonEKSVPCResourceController to attach branch network interfaces."
  }
}

run "security_groups_for_pods_refuse_t_family_nodes" {
  command = plan

  variables {
    pod_security_groups = true
    node_instance_types = ["t3.medium"]
  }

  expect_failures = [aws_eks_node_group.default]
}

run "no_pod_eni_by_default" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy_attachment.vpc_resource_controller) == 0 && !can(jsondecode(aws_eks_addon.this["vpc-cni"].configuration_values).env)
    error_message = "Security groups for pods are off unless asked for."
  }
}

run "uses_a_given_customer_managed_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/test"
  }

  assert {
    condition     = length(aws_kms_key.secrets) == 0
    error_message = "No extra key when one is given."
  }

  assert {
    condition     = aws_eks_cluster.this.encryption_config[0].provider[0].key_arn == "arn:aws:kms:us-east-1:111122223333:key/test"
    error_message = "The given key must encrypt Secrets."
  }

  assert {
    condition     = aws_launch_template.nodes.block_device_mappings[0].ebs[0].kms_key_id == "arn:aws:kms:us-east-1:111122223333:key/test"
    error_message = "The given key must encrypt the node root volumes."
  }
}

run "open_public_endpoint_is_refused" {
  command = plan

  variables {
    endpoint_public_access = true
    public_access_cidrs    = ["0.0.0.0/0"]
  }

  expect_failures = [aws_eks_cluster.this]
}

run "malformed_version_is_refused" {
  command = plan

  variables {
    kubernetes_version = "latest"
  }

  expect_failures = [var.kubernetes_version]
}

run "system_and_user_node_groups_public_endpoint_and_ingress_ips" {
  command = plan

  variables {
    system_node_pool       = true
    endpoint_public_access = true
    public_access_cidrs    = ["203.0.113.0/24"]
    ingress_ip_count       = 3
  }

  assert {
    condition     = anytrue([for t in aws_eks_node_group.system[0].taint : t.key == "CriticalAddonsOnly"]) && aws_eks_node_group.system[0].scaling_config[0].max_size == 2
    error_message = "The system group must be small, fixed and tainted CriticalAddonsOnly."
  }

  assert {
    condition     = length(aws_eks_node_group.system[0].launch_template) == 1
    error_message = "The system group must start from the hardened launch template too."
  }

  assert {
    condition     = aws_eks_node_group.default.node_group_name == "user"
    error_message = "Beside the system group, the sized group is the user group."
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].public_access_cidrs == toset(["203.0.113.0/24"])
    error_message = "A public endpoint is limited to the given CIDRs."
  }

  assert {
    condition     = length(aws_eip.ingress) == 3
    error_message = "One Elastic IP per public subnet for the ingress load balancer."
  }
}

run "access_entries_map_principals_to_the_rolebindings_groups_or_to_cluster_admin" {
  command = plan

  variables {
    access_entries = {
      operators = {
        principal_arn     = "arn:aws:iam::111122223333:role/platform-operators"
        kubernetes_groups = ["shop-operators"]
      }
      ci = {
        principal_arn = "arn:aws:iam::111122223333:role/github-deploy"
        cluster_admin = true
      }
    }
  }

  assert {
    condition     = aws_eks_access_entry.this["operators"].kubernetes_groups == toset(["shop-operators"]) && aws_eks_access_entry.this["operators"].type == "STANDARD"
    error_message = "A principal must join the Kubernetes groups it is given (the RoleBindings' subjects)."
  }

  assert {
    condition     = keys(aws_eks_access_policy_association.cluster_admin) == ["ci"]
    error_message = "Only the principals marked cluster_admin get the cluster admin policy."
  }

  assert {
    condition     = aws_eks_access_policy_association.cluster_admin["ci"].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" && aws_eks_access_policy_association.cluster_admin["ci"].access_scope[0].type == "cluster"
    error_message = "A cluster admin gets AmazonEKSClusterAdminPolicy on the whole cluster."
  }
}

run "an_access_entry_into_a_system_group_is_refused" {
  command = plan

  variables {
    access_entries = {
      bad = {
        principal_arn     = "arn:aws:iam::111122223333:role/x"
        kubernetes_groups = ["system:masters"]
      }
    }
  }

  expect_failures = [var.access_entries]
}

run "nodes_and_their_volumes_carry_the_provider_default_tags" {
  command = plan

  override_data {
    target = data.aws_default_tags.current
    values = {
      tags = { Project = "storefront", CostCenter = "cc-42" }
    }
  }

  variables {
    tags = { Team = "platform" }
  }

  assert {
    condition = alltrue([
      for spec in aws_launch_template.nodes.tag_specifications :
      spec.tags["CostCenter"] == "cc-42" && spec.tags["Project"] == "storefront" && spec.tags["Team"] == "platform"
    ])
    error_message = "default_tags do not reach what a launch template launches: its instances and volumes must carry them."
  }
}
