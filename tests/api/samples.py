"""Replies from the spec: the official V2.0.5 examples, captures and the quirks of 7.2."""

from __future__ import annotations

SUMMARY = (
    '{"STATUS":[{"STATUS":"S","Msg":"Summary"}],"SUMMARY":[{"Elapsed":2648,"MHS av":84983730.62,'
    '"MHS 5s":102423869.64,"MHS 1m":86361423.06,"MHS 5m":84941366.02,"MHS 15m":84969424.09,'
    '"HS RT":84941366.02,"Accepted":804,"Rejected":0,"Total MH":225043191209.0000,'
    '"Temperature":80.00,"freq_avg":646,"Fan Speed In":4530,"Fan Speed Out":4530,"Power":3593,'
    '"Power Rate":42.31,"Pool Rejected%":0.0000,"Pool Stale%":0.0000,"Last getwork":0,'
    '"Uptime":20507,"Security Mode":0,"Hash Stable":true,"Hash Stable Cost Seconds":17569,'
    '"Hash Deviation%":0.1398,"Target Freq":574,"Target MHS":76157172,"Env Temp":32.00,'
    '"Power Mode":"Normal","Factory GHS":84773,"Power Limit":3600,"Chip Temp Min":75.17,'
    '"Chip Temp Max":101.25,"Chip Temp Avg":89.60,"Debug":"-0.0_100.0_354",'
    '"Btminer Fast Boot":"disable"}]}'
)
SUMMARY_LEGACY = (
    '{"STATUS":[{"STATUS":"S","When":1761061371,"Code":11,"Msg":"Summary",'
    '"Description":"cgminer 4.9.2"}],"SUMMARY":[{"Elapsed":100,"MHS 5s":68000000.0,'
    '"CB Platform":"ALLWINNER_H3","Firmware Version":"\'20210322.22.REL\'",'
    '"MAC":"c4:08:28:00:a4:19","Power Fanspeed":9060,"Power":-1,"Power_RT":3427,'
    '"Liquid Cooling":false,"Error Code 1":600,"Error Code 0":110,"Error Code Count":2,'
    '"Factory Error Code Count":0}],"id":1}'
)
POOLS = (
    '{"STATUS":[{"STATUS":"S","Msg":"1 Pool(s)"}],"POOLS":[{"POOL":1,'
    '"URL":"stratum+tcp://btc.ss.poolin.com:443","Status":"Alive","Priority":0,"Quota":1,'
    '"Long Poll":"N","Getworks":1,"Accepted":0,"Rejected":0,"Works":0,"Discarded":0,"Stale":0,'
    '"Get Failures":0,"Remote Failures":0,"User":"microbtinitial","Last Share Time":0,'
    '"Diff1 Shares":0,"Proxy Type":"","Proxy":"","Difficulty Accepted":0.00000000,'
    '"Difficulty Rejected":0.00000000,"Difficulty Stale":0.00000000,'
    '"Last Share Difficulty":0.00000000,"Work Difficulty":0.00000000,"Has Stratum":1,'
    '"Stratum Active":true,"Stratum URL":"btc-vip-3dcoa7jxu.ss.poolin.com",'
    '"Stratum Difficulty":65536.00000000,"Best Share":0,"Pool Rejected%":0.0000,'
    '"Pool Stale%":0.0000,"Bad Work":0,"Current Block Height":0,'
    '"Current Block Version":536870916}]}'
)
EDEVS = (
    '{"STATUS":[{"STATUS":"S","Msg":"3 ASC(s)"}],"DEVS":[{"ASC":0,"Slot":0,"Enabled":"Y",'
    '"Status":"Alive","Temperature":80.00,"Chip Frequency":587,"MHS av":10342284.80,'
    '"MHS 5s":5298845.66,"MHS 1m":8508905.30,"MHS 5m":10351110.56,"MHS 15m":10296867.74,'
    '"HS RT":10351110.56,"HS Factory":28836,"Accepted":18,"Rejected":0,'
    '"Last Valid Work":1643183296,"Upfreq Complete":0,"Effective Chips":156,'
    '"PCB SN":"HEM1EP9C400929K60003","Chip Data":"K88Z347-2039 BINV01-195001D",'
    '"Chip Temp Min":80.56,"Chip Temp Max":97.00,"Chip Temp Avg":89.89,"chip_vol_diff":9},'
    '{"Slot":1,"Status":"Dead","MHS 5s":0,"Factory GHS":28000}]}'
)
DEVDETAILS = (
    '{"STATUS":[{"STATUS":"S","When":1643181852,"Code":69,"Msg":"Device Details",'
    '"Description":"btminer"}],"DEVDETAILS":[{"DEVDETAILS":0,"Name":"SM","ID":0,'
    '"Driver":"bitmicro","Kernel":"","Model":"M30S+VE40"},{"DEVDETAILS":1,"Name":"SM","ID":1,'
    '"Driver":"bitmicro","Kernel":"","Model":"M30S+VE40"}]}'
)
PSU = (
    '{"STATUS":"S","When":1643182793,"Code":131,"Msg":{"name":"P221B","hw_version":"V01.00",'
    '"sw_version":"V01.00.V01.03","model":"P221B","iin":"8718","vin":"22400",'
    '"fan_speed":"6976","version":"-1","serial_no":"A1232B0120100049","vender":"7"},'
    '"Description":""}'
)
PSU_MISSING_COMMA = (
    '{"STATUS":"S","When":1,"Code":131,"Msg":{"name":"P222B","fan_speed":"6000",'
    '"vendor":"""temp0":"45.5","pin":"3500"},"Description":""}'
)
VERSION = (
    '{"STATUS":"S","When":1643187652,"Code":131,"Msg":{"api_ver":"2.0.3",'
    '"fw_ver":"20220125.13.Rel","platform":"H6OS","chip":"K88Z001-2039 BINV01-195001B"},'
    '"Description":""}'
)
VERSION_OLD = (
    '{"Code":131,"Description":"whatsminer v1.4.0","Msg":{"api_ver":"whatsminer v1.4.0",'
    '"fw_ver":"20210322.22.REL"},"STATUS":"S","When":1761064196}'
)
VERSION_V3 = (
    '{"Code":131,"Description":"","Msg":{"api_ver":"2.0.5","fw_ver":"20250409.15.REL",'
    '"platform":"H616"},"STATUS":"S","When":1773871985}'
)
STATUS_OLD = (
    '{"Code":131,"Description":"whatsminer v1.4.0","Msg":{"Firmware Version":'
    '"\'20220919.15.REL\'","btmineroff":"false"},"STATUS":"S","When":1773930539}'
)
STATUS_NEW = (
    '{"Code":131,"Description":"","Msg":{"FirmwareVersion":"20240624.18.REL","hash_percent":"0",'
    '"mineroff":"true","mineroff_reason":"by whatsminer api","mineroff_time":"",'
    '"power_limit_set":"3600","power_mode":"low"},"STATUS":"S","When":1773953446}'
)
MINER_INFO = (
    '{"STATUS":"S","When":1618212903,"Code":131,"Msg":{"ip":"192.168.2.16","proto":"dhcp",'
    '"netmask":"255.255.255.0","dns":"114.114.114.114 8.8.8.8","mac":"C6:07:20:00:1E:C2",'
    '"ledstat":"auto","gateway":"192.168.2.1"},"Description":""}'
)
MINER_INFO_TRAILING_COMMA = (
    '{"STATUS":"S","When":1,"Code":131,"Msg":{"hostname":"WhatsMiner",'
    '"mac":"D4:01:02:03:04:05","ledstat":"manual",},"Description":""}'
)
ERROR_CODE_INVALID = (
    '{"STATUS":"S","When":1642392343,"Code":131,"Msg":{"error_code":["329":"2022-01-17 11:28:11"]'
    '},"Description":""}'
)
ERROR_CODE_LIST = (
    '{"Code":131,"Description":"","Msg":{"error_code":[{"218":"2024-06-15 10:30:00"},'
    '{"110":"2024-06-15 09:15:00"}]},"STATUS":"S","When":1773871985}'
)
ERROR_CODE_EMPTY = (
    '{"Code":131,"Description":"","Msg":{"error_code":[]},"STATUS":"S","When":1773871985}'
)
TOKEN = (
    '{"STATUS":"S","When":1678185039,"Code":134,"Msg":{"time":"5039","salt":"BQ5hoXV9",'
    '"newsalt":"P5NTAcEp"},"Description":"whatsminer v1.3"}'
)
ERR_14 = '{"STATUS":"E","When":1675912321,"Code":14,"Msg":"invalid cmd","Description":""}'
ERR_23 = '{"STATUS":"E","When":1729796009,"Code":23,"Msg":"enc json load err","Description":""}'
ERR_136 = '{"STATUS":"E","When":1682414431,"Code":136,"Msg":"over max connect"}'
ERR_135 = '{"STATUS":"E","When":1,"Code":135,"Msg":"check token err","Description":""}'
ERR_WRITE_DISABLED = (
    '{"STATUS":"E","When":1,"Code":45,"Msg":"can\'t access write cmd","Description":""}'
)
OK = '{"STATUS":"S","When":1678185039,"Code":131,"Msg":"API command OK","Description":""}'

# v3 firmware 20260312.16.REL3 answering on 4028 (spec v3 6.3, the [TETHER-REL3] capture of
# an M7BS_VM30, trimmed): flat summary without MHS 5s/5m/Target MHS and a float Elapsed;
# edevs without ASC, per-board MHS in TH/s; pools with share counts; status with liquid_temp,
# power_pct, fast_mining, fast_hash; api_ver 2.2.2.
REL3_VERSION = (
    '{"STATUS":"S","When":1786628533,"Code":131,"Msg":{"api_ver":"2.2.2",'
    '"fw_ver":"20260312.16.REL3","platform":"H616","chip":"KAAP315-2601 BINVLC-199004E",'
    '"miner_type":"M7BS_VM30"},"Description":""}'
)
REL3_SUMMARY = (
    '{"STATUS":"S","When":1786628534,"Code":131,"Msg":{"Elapsed":10658.685546875,'
    '"MHS av":692030656,"MHS 1m":692632192,"MHS 15m":692005440,"HS RT":692632192,'
    '"freq_avg":419.217041015625,"Fan Speed In":0,"Fan Speed Out":0,"Power":9763.263333333334,'
    '"Power Rate":14.103324890136719,"Pool Rejected%":0,"Uptime":12927,"Hash Stable":"true",'
    '"Hash Stable Cost Seconds":1299,"Target Freq":0,"Env Temp":45.562,"Power Mode":"High",'
    '"Factory GHS":560974,"Power Limit":9758,"Chip Temp Min":57.628570556640625,'
    '"Chip Temp Max":77.70713806152344,"Chip Temp Avg":67.5,"Btminer Fast Boot":"disable"},'
    '"Description":""}'
)
REL3_EDEVS = (
    '{"STATUS":[{"STATUS":"S","Msg":"4 ASC(s)"}],"DEVS":['
    '{"Slot":0,"Temperature":65.31,"Chip Frequency":413,"MHS av":170.62,"MHS 1m":170.75,'
    '"MHS 15m":170.51,"HS RT":170.75,"Factory GHS":139930,"Upfreq Complete":1,'
    '"Effective Chips":288,"PCB SN":"BMM7BSFF306311K40019"},'
    '{"Slot":1,"Temperature":65.31,"Chip Frequency":424,"MHS av":175.49,"HS RT":175.6,'
    '"Factory GHS":139930,"Upfreq Complete":1,"Effective Chips":288},'
    '{"Slot":2,"Temperature":54.81,"Chip Frequency":425,"MHS av":175.56,"HS RT":175.85,'
    '"Factory GHS":140557,"Upfreq Complete":1,"Effective Chips":288},'
    '{"Slot":3,"Temperature":54.81,"Chip Frequency":413,"MHS av":170.35,"HS RT":170.43,'
    '"Factory GHS":140557,"Upfreq Complete":1,"Effective Chips":288}],"id":1}'
)
REL3_POOLS = (
    '{"STATUS":[{"STATUS":"S","Msg":"1 Pool(s)"}],"POOLS":[{"POOL":1,'
    '"URL":"stratum+tcp://btc.f2pool.com:1314","Status":"Alive","Priority":0,"Quota":1,'
    '"Getworks":574,"Accepted":432,"Rejected":0,"Discarded":0,"Stale":0,'
    '"User":"haven7346.M7bS_test","Last Share Time":1786628523,"Stratum Active":true,'
    '"Stratum Difficulty":4194304,"Bad Work":20,"To Remove":false}],"id":1}'
)
REL3_STATUS = (
    '{"STATUS":"S","When":1786628536,"Code":131,"Msg":{"mineroff":"false",'
    '"mineroff_reason":"","mineroff_time":"","FirmwareVersion":"20260312.16.REL3",'
    '"power_mode":"high","power_limit_set":"10030","hash_percent":"0","fast_mining":"false",'
    '"fast_hash":"false","liquid_temp":49,"power_pct":120},"Description":""}'
)
REL3_MINER_INFO = (
    '{"STATUS":"S","When":1786628536,"Code":131,"Msg":{"ip":"10.0.44.105","proto":"dhcp",'
    '"netmask":"255.255.255.0","gateway":"10.0.44.1","dns":"10.0.44.1","hostname":"WhatsMiner",'
    '"mac":"A0:5B:06:00:36:60","ledstat":"1,200,100,0 0,200,100,0 ",'
    '"minersn":"BTM7BS30FA26031256090407244H05947","powersn":"2F260200665","upfreq_speed":"0"},'
    '"Description":""}'
)
REL3_ERROR_CODE = (
    '{"STATUS":"S","When":1786628537,"Code":131,"Msg":{"error_code":[]},"Description":""}'
)
