# Needs the oci provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "oci" {
  # What OKE reports once the cluster exists.
  mock_resource "oci_containerengine_cluster" {
    defaults = {
      id = "ocid1.cluster.oc1.eu-frankfurt-1.shop"
      endpoints = [{
        kubernetes            = "10.0.96.3:6443"
        private_endpoint      = "10.0.96.3:6443"
        public_endpoint       = "203.0.113.10:6443"
        vcn_hostname_endpoint = "cshop.api.shopprod.oraclevcn.com:6443"
        ipv6endpoint          = ""
      }]
    }
  }
}

# The releases OKE offers: the newest 1.31 patch by number is v1.31.10 (not v1.31.2, the last by text).
override_data {
  target = data.oci_containerengine_cluster_option.this
  values = {
    kubernetes_versions = ["v1.30.10", "v1.31.1", "v1.31.10", "v1.31.2", "v1.32.1"]
  }
}

override_data {
  target = data.oci_identity_availability_domains.this
  values = {
    availability_domains = [
      { id = "ad1", name = "Uocm:EU-FRANKFURT-1-AD-1", compartment_id = "ocid1.tenancy.oc1..shop" },
      { id = "ad2", name = "Uocm:EU-FRANKFURT-1-AD-2", compartment_id = "ocid1.tenancy.oc1..shop" },
      { id = "ad3", name = "Uocm:EU-FRANKFURT-1-AD-3", compartment_id = "ocid1.tenancy.oc1..shop" },
    ]
  }
}

# OKE images: an older and a newer x86_64 build of v1.31.10, a newer GPU and aarch64 build, one of
# another release and one not Oracle Linux.
override_data {
  target = data.oci_containerengine_node_pool_option.this
  values = {
    sources = [
      { source_type = "IMAGE", image_id = "ocid1.image.oc1..x86-old", source_name = "Oracle-Linux-8.10-2025.01.31-0-OKE-1.31.10-760" },
      { source_type = "IMAGE", image_id = "ocid1.image.oc1..x86-new", source_name = "Oracle-Linux-8.10-2025.03.18-0-OKE-1.31.10-801" },
      { source_type = "IMAGE", image_id = "ocid1.image.oc1..gpu", source_name = "Oracle-Linux-8.10-Gen2-GPU-2025.04.02-0-OKE-1.31.10-812" },
      { source_type = "IMAGE", image_id = "ocid1.image.oc1..arm", source_name = "Oracle-Linux-8.10-aarch64-2025.04.02-0-OKE-1.31.10-812" },
      { source_type = "IMAGE", image_id = "ocid1.image.oc1..other-release", source_name = "Oracle-Linux-8.10-2025.05.01-0-OKE-1.31.1-830" },
      { source_type = "IMAGE", image_id = "ocid1.image.oc1..ubuntu", source_name = "Canonical-Ubuntu-22.04-2025.05.01-0-OKE-1.31.10-830" },
    ]
  }
}

variables {
  name               = "shop-prod"
  compartment_id     = "ocid1.compartment.oc1..shop"
  kubernetes_version = "1.31"
  vcn_id             = "ocid1.vcn.oc1.eu-frankfurt-1.shop"
  api_subnet_id      = "ocid1.subnet.oc1.eu-frankfurt-1.api"
  nodes_subnet_id    = "ocid1.subnet.oc1.eu-frankfurt-1.nodes"
  pods_subnet_id     = "ocid1.subnet.oc1.eu-frankfurt-1.pods"
  lb_subnet_id       = "ocid1.subnet.oc1.eu-frankfurt-1.lb"
  api_nsg_id         = "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.api"
  nodes_nsg_id       = "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.nodes"
  pods_nsg_id        = "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.pods"
}

run "the_cluster_is_enhanced_private_and_vcn_native" {
  command = plan

  assert {
    condition     = oci_containerengine_cluster.this.type == "ENHANCED_CLUSTER"
    error_message = "The cluster must be an enhanced cluster."
  }

  assert {
    condition     = oci_containerengine_cluster.this.cluster_pod_network_options[0].cni_type == "OCI_VCN_IP_NATIVE"
    error_message = "The cluster must use VCN-native pod networking."
  }

  assert {
    condition     = oci_containerengine_cluster.this.kubernetes_version == "v1.31.10" && oci_containerengine_node_pool.this.kubernetes_version == "v1.31.10"
    error_message = "The cluster and its nodes must run the newest 1.31 patch release by number (v1.31.10)."
  }

  assert {
    condition = (
      oci_containerengine_cluster.this.endpoint_config[0].is_public_ip_enabled == false &&
      oci_containerengine_cluster.this.endpoint_config[0].subnet_id == "ocid1.subnet.oc1.eu-frankfurt-1.api" &&
      oci_containerengine_cluster.this.endpoint_config[0].nsg_ids == toset(["ocid1.networksecuritygroup.oc1.eu-frankfurt-1.api"])
    )
    error_message = "By default the API endpoint must be private, in the API subnet, behind the API network security group."
  }

  assert {
    condition     = length(oci_core_network_security_group_security_rule.api_clients) == 0
    error_message = "Without api_allowed_cidrs no network may be admitted to the API endpoint."
  }

  assert {
    condition     = oci_containerengine_cluster.this.options[0].service_lb_subnet_ids == tolist(["ocid1.subnet.oc1.eu-frankfurt-1.lb"])
    error_message = "Service load balancers must go to the lb subnet."
  }
}

run "the_node_pool_follows_the_inputs_in_every_availability_domain" {
  command = plan

  assert {
    condition = (
      oci_containerengine_node_pool.this.node_shape == "VM.Standard.E5.Flex" &&
      oci_containerengine_node_pool.this.node_shape_config[0].ocpus == 2 &&
      oci_containerengine_node_pool.this.node_shape_config[0].memory_in_gbs == 16 &&
      oci_containerengine_node_pool.this.node_config_details[0].size == 3
    )
    error_message = "By default the pool must be three VM.Standard.E5.Flex nodes of 2 OCPUs and 16 GB."
  }

  assert {
    condition = (
      toset([for placement in oci_containerengine_node_pool.this.node_config_details[0].placement_configs : placement.availability_domain]) ==
      toset(["Uocm:EU-FRANKFURT-1-AD-1", "Uocm:EU-FRANKFURT-1-AD-2", "Uocm:EU-FRANKFURT-1-AD-3"])
    )
    error_message = "The nodes must be placed in every availability domain of the region."
  }

  assert {
    condition     = alltrue([for placement in oci_containerengine_node_pool.this.node_config_details[0].placement_configs : placement.subnet_id == "ocid1.subnet.oc1.eu-frankfurt-1.nodes"])
    error_message = "Every placement must use the nodes subnet."
  }

  assert {
    condition = (
      oci_containerengine_node_pool.this.node_config_details[0].node_pool_pod_network_option_details[0].cni_type == "OCI_VCN_IP_NATIVE" &&
      oci_containerengine_node_pool.this.node_config_details[0].node_pool_pod_network_option_details[0].pod_subnet_ids == tolist(["ocid1.subnet.oc1.eu-frankfurt-1.pods"]) &&
      oci_containerengine_node_pool.this.node_config_details[0].node_pool_pod_network_option_details[0].pod_nsg_ids == tolist(["ocid1.networksecuritygroup.oc1.eu-frankfurt-1.pods"]) &&
      oci_containerengine_node_pool.this.node_config_details[0].nsg_ids == toset(["ocid1.networksecuritygroup.oc1.eu-frankfurt-1.nodes"])
    )
    error_message = "Pods must take addresses of the pods subnet behind the pods group, the nodes the nodes group."
  }

  assert {
    condition     = oci_containerengine_node_pool.this.node_source_details[0].image_id == "ocid1.image.oc1..x86-new"
    error_message = "An x86 shape must take the newest Oracle Linux x86_64 OKE image of the release (not the GPU, aarch64, other-release or Ubuntu ones)."
  }

  assert {
    condition     = oci_containerengine_node_pool.this.node_config_details[0].is_pv_encryption_in_transit_enabled
    error_message = "Volume traffic must be encrypted in transit."
  }
}

run "the_node_pool_sizing_follows_the_inputs" {
  command = plan

  variables {
    node_shape      = "VM.Standard.E4.Flex"
    node_ocpus      = 4
    node_memory_gbs = 64
    node_count      = 5
    kms_key_id      = "ocid1.key.oc1.eu-frankfurt-1.shop"
    freeform_tags   = { project = "shop" }
  }

  assert {
    condition = (
      oci_containerengine_node_pool.this.node_shape == "VM.Standard.E4.Flex" &&
      oci_containerengine_node_pool.this.node_shape_config[0].ocpus == 4 &&
      oci_containerengine_node_pool.this.node_shape_config[0].memory_in_gbs == 64 &&
      oci_containerengine_node_pool.this.node_config_details[0].size == 5
    )
    error_message = "The pool's shape, OCPUs, memory and size must follow the inputs."
  }

  assert {
    condition = (
      oci_containerengine_cluster.this.kms_key_id == "ocid1.key.oc1.eu-frankfurt-1.shop" &&
      oci_containerengine_node_pool.this.node_config_details[0].kms_key_id == "ocid1.key.oc1.eu-frankfurt-1.shop"
    )
    error_message = "With kms_key_id the Kubernetes secrets and the boot volumes must be encrypted with the key."
  }

  assert {
    condition     = oci_containerengine_node_pool.this.freeform_tags == tomap({ project = "shop" }) && oci_containerengine_cluster.this.freeform_tags == tomap({ project = "shop" })
    error_message = "The cluster and its node pool must carry the freeform tags."
  }
}

run "an_arm_shape_takes_the_aarch64_image" {
  command = plan

  variables {
    node_shape = "VM.Standard.A1.Flex"
  }

  assert {
    condition     = oci_containerengine_node_pool.this.node_source_details[0].image_id == "ocid1.image.oc1..arm"
    error_message = "An Ampere (A1) shape must take the aarch64 OKE image."
  }
}

run "a_fixed_shape_has_no_shape_config" {
  command = plan

  variables {
    node_shape = "VM.Standard2.4"
  }

  assert {
    condition     = length(oci_containerengine_node_pool.this.node_shape_config) == 0
    error_message = "A fixed shape must carry no OCPU or memory configuration."
  }
}

run "a_given_image_is_used" {
  command = plan

  variables {
    node_image_id = "ocid1.image.oc1..custom"
  }

  assert {
    condition     = oci_containerengine_node_pool.this.node_source_details[0].image_id == "ocid1.image.oc1..custom"
    error_message = "node_image_id must override the image selection."
  }
}

run "the_endpoint_is_the_private_one_by_default" {
  command = apply

  assert {
    condition     = output.endpoint == "10.0.96.3:6443" && output.kubernetes_version == "v1.31.10" && output.cluster_name == "shop-prod"
    error_message = "endpoint must be the private endpoint, kubernetes_version the resolved release."
  }

  assert {
    condition     = oci_containerengine_node_pool.this.cluster_id == "ocid1.cluster.oc1.eu-frankfurt-1.shop"
    error_message = "The node pool must belong to the cluster."
  }
}

run "a_public_endpoint_admits_the_allowed_cidrs_only" {
  command = apply

  variables {
    api_public        = true
    api_allowed_cidrs = ["203.0.113.0/24", "198.51.100.7/32"]
  }

  assert {
    condition     = oci_containerengine_cluster.this.endpoint_config[0].is_public_ip_enabled
    error_message = "With api_public the endpoint must have a public address."
  }

  assert {
    condition = (
      toset([for rule in oci_core_network_security_group_security_rule.api_clients : rule.source]) == toset(["203.0.113.0/24", "198.51.100.7/32"]) &&
      alltrue([for rule in oci_core_network_security_group_security_rule.api_clients :
        rule.network_security_group_id == "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.api" && rule.direction == "INGRESS" &&
        rule.tcp_options[0].destination_port_range[0].min == 6443 && rule.tcp_options[0].destination_port_range[0].max == 6443
      ])
    )
    error_message = "The API group must admit 6443 from the allowed networks, and from nothing else."
  }

  assert {
    condition     = output.endpoint == "203.0.113.10:6443"
    error_message = "With api_public endpoint must be the public endpoint."
  }
}

run "a_public_endpoint_without_cidrs_is_refused" {
  command = plan

  variables {
    api_public = true
  }

  expect_failures = [oci_containerengine_cluster.this]
}

run "the_whole_internet_is_refused" {
  command = plan

  variables {
    api_public        = true
    api_allowed_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.api_allowed_cidrs]
}

run "a_minor_oke_does_not_offer_is_refused" {
  command = plan

  variables {
    kubernetes_version = "1.29"
  }

  expect_failures = [data.oci_containerengine_cluster_option.this]
}

run "a_patch_version_is_refused" {
  command = plan

  variables {
    kubernetes_version = "1.31.2"
  }

  expect_failures = [var.kubernetes_version]
}

run "zero_nodes_are_refused" {
  command = plan

  variables {
    node_count = 0
  }

  expect_failures = [var.node_count]
}

run "a_release_without_an_oke_image_is_refused" {
  command = plan

  variables {
    kubernetes_version = "1.32"
  }

  expect_failures = [oci_containerengine_node_pool.this]
}
