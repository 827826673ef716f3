{#
  Multi-cell DECT managers and bases (W75, W80, W90): SIP servers are
  declared once as templates and every account points at one of them
  (XX_templates, line.XX_template_id).
-#}
{% for t in XX_templates.values() -%}
template.{{ t.id }}.name = Wazo {{ t.id }}
template.{{ t.id }}.sip_server.1.address = {{ t.proxy_ip|d('%NULL%', true) }}
template.{{ t.id }}.sip_server.1.port = {{ t.proxy_port|d('%NULL%', true) }}
template.{{ t.id }}.sip_server.1.transport_type = {{ XX_sip_transport }}
template.{{ t.id }}.sip_server.2.address = {{ t.backup_proxy_ip|d('%NULL%', true) }}
template.{{ t.id }}.sip_server.2.port = {{ t.backup_proxy_port|d('%NULL%', true) }}
template.{{ t.id }}.sip_server.2.transport_type = {{ XX_sip_transport }}
{% endfor -%}
{% for line_no, line in XX_sip_lines.items() -%}
{% if line -%}
account.{{ line_no }}.enable = 1
account.{{ line_no }}.label = {{ line.number|d(line.display_name, true)|d('', true) }}
account.{{ line_no }}.display_name = {{ line.display_name|d('', true) }}
account.{{ line_no }}.auth_name = {{ line.auth_username|d('', true) }}
account.{{ line_no }}.user_name = {{ line.username|d('', true) }}
account.{{ line_no }}.password = {{ line.password|d('', true) }}
account.{{ line_no }}.sip_server.template = {{ line.XX_template_id|d(1, true) }}
account.{{ line_no }}.dtmf.type = {{ line.XX_dtmf_type|d('%NULL%', true) }}
account.{{ line_no }}.dtmf.info_type = 1
account.{{ line_no }}.srtp_encryption = {{ line.XX_srtp_encryption|d(0, true) }}
account.{{ line_no }}.subscribe_mwi = {{ 1 if sip_subscribe_mwi else 0 }}
voice_mail.number.{{ line_no }} = {{ line.voicemail|d('%NULL%', true) }}
{% else -%}
account.{{ line_no }}.enable = 0
account.{{ line_no }}.user_name = %NULL%
account.{{ line_no }}.password = %NULL%
account.{{ line_no }}.sip_server.template = %NULL%
voice_mail.number.{{ line_no }} = %NULL%
{% endif -%}
{% endfor -%}
